"""API key secrets: how they look and how they are stored."""

import hashlib
import secrets

SECRET_PREFIX = "prk_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Keys are 256-bit random secrets, so one SHA-256 suffices (no stretching needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
