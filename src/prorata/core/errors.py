"""Typed errors with stable codes.

Services raise them; the edges (API, pages, CLI) map each to an HTTP status and a translated
message once. `code` is part of the public contract and never changes meaning.
"""

from __future__ import annotations

from typing import Any


class ProrataError(Exception):
    """Base of every expected refusal. `params` fill the translated message; `details` go to clients."""

    status: int = 400
    default_code: str = "invalid_request"

    def __init__(self, code: str | None = None, *, details: dict[str, Any] | None = None, **params: Any):
        self.code = code or self.default_code
        self.params = params
        self.details = details if details is not None else {}
        super().__init__(self.code)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, params={self.params!r})"


class InvalidInput(ProrataError):
    status = 400
    default_code = "invalid_request"


class Unauthenticated(ProrataError):
    status = 401
    default_code = "unauthenticated"


class PaymentFailed(ProrataError):
    status = 402
    default_code = "card_declined"


class Forbidden(ProrataError):
    status = 403
    default_code = "forbidden"


class NotFound(ProrataError):
    status = 404
    default_code = "not_found"


class Conflict(ProrataError):
    status = 409
    default_code = "conflict"


class RateLimited(ProrataError):
    status = 429
    default_code = "rate_limited"
