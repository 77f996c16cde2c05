"""Codes of the API's platform guarantees (idempotency keys). `rate_limited` is a generic code."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "request_too_large": _("The request body is larger than %(max)s bytes."),
    "json_too_deep": _("The JSON body is nested more than %(max)s levels deep."),
    "invalid_text": _("The request contains text that is not valid Unicode (a lone surrogate)."),
    "datetime_out_of_range": _("A date or time is outside the range Prorata can store (years 1 to 9999, offsets within 24 hours)."),
    "concurrent_change": _(
        "Another change to the same subscription or account was being made at the same moment, so this "
        "request was stopped before it changed anything. Try again."
    ),
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
