"""Stable error and decision codes mapped to translated messages, collected from every domain.

Each domain lists its own codes in `<domain>/messages.py` as `MESSAGES = {code: gettext_lazy(...)}`
with %(name)s placeholders filled from the error's params. Codes are the contract; messages may
be reworded.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

GENERIC = {
    "invalid_request": _("The request is not valid."),
    "invalid_json": _("The request body is not valid JSON."),
    "validation_error": _("Some fields are missing or not valid: %(fields)s."),
    "not_found": _("No such object, or you do not have access to it."),
    "unauthenticated": _("Sign in with a valid API key: Authorization: Bearer <secret key>."),
    "forbidden": _("Your role does not allow this action."),
    "method_not_allowed": _("This method is not allowed here."),
    "rate_limited": _("Too many requests. Wait %(retry_after)s seconds and try again."),
    "internal_error": _("Something went wrong on our side. Nothing was changed; please try again."),
    "unknown_currency": _("“%(value)s” is not a known ISO 4217 currency code."),
}

DOMAINS = ("catalog", "tenants", "subscriptions", "licenses", "billing", "support", "audit", "webhooks", "notifications", "web", "platform")


def all_messages() -> dict[str, Any]:
    messages: dict[str, Any] = dict(GENERIC)
    for domain in DOMAINS:
        try:
            module = import_module(f"prorata.{domain}.messages")
        except ModuleNotFoundError as exc:
            if exc.name != f"prorata.{domain}.messages":
                raise
            continue
        clash = set(messages) & set(module.MESSAGES)
        if clash:
            raise RuntimeError(f"message codes defined twice: {sorted(clash)}")
        messages.update(module.MESSAGES)
    return messages


_cache: dict[str, Any] | None = None


def message_for(code: str, params: dict[str, Any] | None = None, language: str | None = None) -> str:
    """The message for a code in `language` (or the active language), params filled in."""
    global _cache
    if _cache is None:
        _cache = all_messages()
    template = _cache.get(code, _cache["invalid_request"])
    with translation.override(language) if language else _nullcontext():
        text = str(template)
    if params:
        try:
            text = text % {k: ("" if v is None else v) for k, v in params.items()}
        except (KeyError, ValueError, TypeError):
            pass
    return text


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
