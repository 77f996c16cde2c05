"""Decisions and subscriptions put into people's words: amounts and dates in the reader's language."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date
from django.utils import translation

from prorata.core.money import format_money
from prorata.i18n.messages import message_for

from .domain.cancellation import Decision


def _babel_locale(language: str | None) -> str:
    language = (language or translation.get_language() or "en").lower()
    return "zh_Hans" if language.startswith("zh") else "en"


def _date(value: Any, locale: str) -> Any:
    if not value:
        return value
    try:
        return format_date(date.fromisoformat(str(value)), format="long", locale=locale)
    except ValueError:
        return value


def decision_params(decision: Decision, language: str | None = None) -> dict[str, Any]:
    """The decision's params with money and dates formatted for `language` (default: active)."""
    locale = _babel_locale(language)
    params = dict(decision.params)
    if "amount" in params and params.get("currency"):
        params["amount"] = format_money(int(params["amount"]), str(params["currency"]), locale)
    for key in ("trial_end", "settles_on", "period_end", "canceled_on"):
        if key in params:
            params[key] = _date(params[key], locale)
    return params


def decision_message(decision: Decision, language: str | None = None) -> str:
    """The decision explained in plain words, in `language` (default: the active language)."""
    return message_for(decision.code, decision_params(decision, language), language=language)
