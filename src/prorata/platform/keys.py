"""The API key of a request: verified once, then kept for a few seconds in this process.

A secret is 256 random bits, so one SHA-256 of it is all the hashing it needs (no stretching);
what cost time per request was the database look-up. Verified keys are therefore kept in memory
for `PRORATA_API_KEY_CACHE_SECONDS` (default 5), by the SHA-256 of their secret, never the
secret itself. Revoking a key forgets it at once in the process that revoked it; every other
process stops accepting it within that many seconds. Unknown secrets are never cached, so a
new key works at once everywhere.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.http import HttpRequest

from prorata.tenants.models import ApiKey

_ATTR = "prorata_api_key"
_MAX_ENTRIES = 10_000

_lock = threading.Lock()
# SHA-256 of the secret -> (the key with its tenant, monotonic time it expires).
_verified: dict[str, tuple[ApiKey, float]] = {}


def cache_seconds() -> float:
    return float(getattr(settings, "PRORATA_API_KEY_CACHE_SECONDS", 5))


def bearer_secret(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def forget_key(secret_hash: str) -> None:
    """Stop trusting a cached key in this process (after it is revoked)."""
    with _lock:
        _verified.pop(secret_hash, None)


def forget_all_keys() -> None:
    with _lock:
        _verified.clear()


def _verified_key(secret: str) -> ApiKey | None:
    from prorata.tenants.keys import hash_secret

    digest = hash_secret(secret)
    ttl = cache_seconds()
    now = time.monotonic()
    if ttl > 0:
        with _lock:
            hit = _verified.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
    key = (
        ApiKey.objects.select_related("tenant")
        .filter(secret_hash=digest, revoked_at__isnull=True)
        .first()
    )
    if key is not None and ttl > 0:
        with _lock:
            if len(_verified) >= _MAX_ENTRIES:
                for stale in [d for d, (_k, until) in _verified.items() if until <= now] or list(_verified)[:1]:
                    _verified.pop(stale, None)
            _verified[digest] = (key, now + ttl)
    return key


def api_key_for(request: HttpRequest, secret: str | None = None) -> ApiKey | None:
    """The live (not revoked) API key named by `secret` (default: `Authorization: Bearer`), or None."""
    if secret is None:
        secret = bearer_secret(request)
    if secret is None:
        return None
    cached = getattr(request, _ATTR, None)
    if cached is not None and cached[0] == secret:
        return cached[1]  # type: ignore[no-any-return]
    key = _verified_key(secret)
    setattr(request, _ATTR, (secret, key))
    return key
