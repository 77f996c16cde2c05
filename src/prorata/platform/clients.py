"""The address of the client of a request, the one rate limits and sign-in throttling count."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str | None:
    """The address that failed. Behind the TLS proxy of a PRORATA_SECURE install every request
    comes from the proxy, so the address the proxy itself saw (the last X-Forwarded-For entry,
    the one a client cannot forge) is used instead; otherwise one address would lock out all."""
    if request is None:
        return None
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if forwarded:
            return _valid_ip(forwarded[-1])
    return _valid_ip(request.META.get("REMOTE_ADDR") or "")


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
