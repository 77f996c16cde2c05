"""The API key of a request, looked up once and kept on the request."""

from __future__ import annotations

from django.http import HttpRequest

from prorata.tenants.models import ApiKey

_ATTR = "prorata_api_key"
_MISSING = object()


def bearer_secret(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def api_key_for(request: HttpRequest) -> ApiKey | None:
    """The live (not revoked) API key named by `Authorization: Bearer`, or None."""
    cached = getattr(request, _ATTR, _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    from prorata.tenants.keys import hash_secret

    secret = bearer_secret(request)
    key = None
    if secret is not None:
        key = (
            ApiKey.objects.select_related("tenant")
            .filter(secret_hash=hash_secret(secret), revoked_at__isnull=True)
            .first()
        )
    setattr(request, _ATTR, key)
    return key
