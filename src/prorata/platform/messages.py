"""Codes of the API's platform guarantees (idempotency keys). `rate_limited` is a generic code."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "idempotency_key_reused": _(
        "This Idempotency-Key was already used with a different request. Use a new key for a new request."
    ),
    "idempotency_key_in_use": _(
        "A request with this Idempotency-Key is still being processed. Try again in a moment."
    ),
    "idempotency_key_invalid": _(
        "The Idempotency-Key header must be 1 to %(max)s printable ASCII characters."
    ),
}
