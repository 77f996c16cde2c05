"""Signed license tokens: what the license check says, as a JWT the vendor's app verifies offline.

A token is a compact JWS signed with EdDSA (Ed25519, RFC 8037) by PyJWT and `cryptography`:

    header  {"alg": "EdDSA", "typ": "JWT", "kid": "<key id>"}
    claims  {"iss": <PRORATA_PUBLIC_URL>, "aud": "prorata-license", "sub": <user id>,
             "tenant": <tenant id>, "product": <product id>, "licensed": bool,
             "subscription": <id or null>, "status": <subscription status or null>,
             "iat": <now>, "nbf": <now>, "exp": <now + PRORATA_LICENSE_TOKEN_TTL>, "jti": <unique>}

The public keys are at /.well-known/jwks.json. A token states the entitlement as it was when it
was issued: revoking the license or cancelling the subscription shows in the next token, and a
token already handed out keeps saying "licensed" until its `exp`, at most
PRORATA_LICENSE_TOKEN_TTL seconds (default 3600). That is the staleness bound the vendor's app
accepts by verifying offline.

Keys: the newest key not retired signs; `prorata keys rotate` retires it and makes a new one.
A retired key stays published until every token it may have signed has expired (its retirement
+ the token lifetime + the time other processes may still hold it in memory).
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

ALGORITHM = "EdDSA"
AUDIENCE = "prorata-license"
# How long a process keeps using the signing key it read (seconds): a rotation reaches every
# process within this time; the previous key stays published meanwhile.
KEY_CACHE_SECONDS = 30.0

_lock = threading.Lock()
_current: tuple[str, Any, float] | None = None  # (kid, private key object, monotonic expiry)


def token_ttl() -> int:
    return max(1, int(getattr(settings, "PRORATA_LICENSE_TOKEN_TTL", 3600)))


def publish_for() -> timedelta:
    """How long a retired key stays published: every token it signed has expired by then."""
    return timedelta(seconds=token_ttl() + KEY_CACHE_SECONDS + 60)


def issuer() -> str:
    return str(getattr(settings, "PRORATA_PUBLIC_URL", "")).rstrip("/")


def new_key_material() -> tuple[str, str, dict[str, Any]]:
    """A fresh Ed25519 key: (kid, private key PEM, public JWK)."""
    from jwt.algorithms import OKPAlgorithm

    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    kid = "lk_" + uuid.uuid4().hex[:20]
    jwk.update({"kid": kid, "use": "sig", "alg": ALGORITHM})
    return kid, pem, jwk


def remember_current(kid: str, pem: str) -> Any:
    """Keep the signing key in this process's memory; returns the key object."""
    global _current
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    with _lock:
        _current = (kid, private, time.monotonic() + KEY_CACHE_SECONDS)
    return private


def cached_current() -> tuple[str, Any] | None:
    with _lock:
        current = _current
    if current is None or current[2] <= time.monotonic():
        return None
    return current[0], current[1]


def forget_current() -> None:
    global _current
    with _lock:
        _current = None


def claims_for(*, tenant_id: str, user_id: str, product_id: str, licensed: bool, subscription: Any | None,
               at: datetime) -> dict[str, Any]:
    """The token's claims at wall-clock `at` (the time the vendor's app compares `exp` with)."""
    issued = int(at.timestamp())
    return {
        "iss": issuer(), "aud": AUDIENCE, "sub": user_id, "tenant": tenant_id, "product": product_id,
        "licensed": licensed,
        "subscription": subscription.pk if subscription is not None else None,
        "status": subscription.status if subscription is not None else None,
        "iat": issued, "nbf": issued, "exp": issued + token_ttl(), "jti": uuid.uuid4().hex,
    }


def sign(claims: dict[str, Any], *, kid: str, private_key: Any) -> str:
    return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"})
