"""Standard Webhooks signatures (https://www.standardwebhooks.com): pure functions, no Django.

A secret is `whsec_` + base64 of random key bytes. Each message is signed as
`base64(HMAC-SHA256(key, f"{webhook_id}.{webhook_timestamp}.{body}"))` and sent as
`webhook-signature: v1,<signature>`; several space-separated signatures are allowed, so a
receiver can accept any one of them during a secret rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"


def new_secret(nbytes: int = 24) -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def _key(secret: str) -> bytes:
    body = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(body)


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one message: "v1,<base64 HMAC-SHA256>"."""
    content = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers(secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
    }


def verify(secret: str, webhook_id: str, timestamp: str, body: bytes, signature_header: str,
           now: int, tolerance: int = 300) -> bool:
    """What a receiver does: the timestamp is recent and one of the v1 signatures matches."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > tolerance:
        return False
    expected = sign(secret, webhook_id, sent, body).split(",", 1)[1]
    for candidate in signature_header.split():
        version, _, value = candidate.partition(",")
        if version == SIGNATURE_VERSION and hmac.compare_digest(value, expected):
            return True
    return False
