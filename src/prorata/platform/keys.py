"""The API key of a request, looked up once and kept on the request."""

from __future__ import annotations

from django.http import HttpRequest

from prorata.tenants.models import ApiKey

_ATTR = "prorata_api_key"


def bearer_secret(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def api_key_for(request: HttpRequest, secret: str | None = None) -> ApiKey | None:
    """The live (not revoked) API key named by `secret` (default: `Authorization: Bearer`), or None."""
    from prorata.tenants.keys import hash_secret

    if secret is None:
        secret = bearer_secret(request)
    if secret is None:
        return None
    cached = getattr(request, _ATTR, None)
    if cached is not None and cached[0] == secret:
        return cached[1]  # type: ignore[no-any-return]
    key = (
        ApiKey.objects.select_related("tenant")
        .filter(secret_hash=hash_secret(secret), revoked_at__isnull=True)
        .first()
    )
    setattr(request, _ATTR, (secret, key))
    return key
