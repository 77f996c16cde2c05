"""Pieces every billing service shares: line descriptions in the tenant's language."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from prorata.core.periods import local_date


def django_language(language: str) -> str:
    return "zh-hans" if (language or "").lower().startswith("zh") else "en"


def product_name(product: Any, language: str) -> str:
    names = getattr(product, "names", None) or {}
    if language and language != "en":
        return str(names.get(language) or product.name)
    return str(product.name)


@functools.lru_cache(maxsize=64)
def _template(language: str, kind: str) -> str:
    # Looked up once per language: a renewal batch writes thousands of these lines.
    with translation.override(django_language(language)):
        if kind == "charge":
            return gettext("%(product)s × %(quantity)s, %(start)s – %(end)s")
        return gettext("%(product)s: %(quantity)s more, %(start)s – %(end)s")


@functools.lru_cache(maxsize=1 << 14)
def _local_day(at: datetime, tz: str) -> str:
    return local_date(at, tz).isoformat()


def charge_description(*, language: str, product: str, quantity: int, start: datetime, end: datetime, tz: str) -> str:
    """"Office 365 E3 × 5, 2024-01-31 – 2024-02-29" in the tenant's language and local dates."""
    return _template(language, "charge") % {
        "product": product, "quantity": quantity, "start": _local_day(start, tz), "end": _local_day(end, tz),
    }


def proration_description(*, language: str, product: str, quantity: int, start: datetime, end: datetime, tz: str) -> str:
    return _template(language, "proration") % {
        "product": product, "quantity": quantity, "start": _local_day(start, tz), "end": _local_day(end, tz),
    }


def unused_time_description(*, language: str, product: str, quantity: int, start: datetime, end: datetime, tz: str) -> str:
    """The credit line of a plan change: the old plan's seats for the rest of the period."""
    with translation.override(django_language(language)):
        text = gettext("Unused time on %(product)s × %(quantity)s, %(start)s – %(end)s")
    return text % {"product": product, "quantity": quantity, "start": _local_day(start, tz), "end": _local_day(end, tz)}


def discount_description(*, language: str, percent: int) -> str:
    with translation.override(django_language(language)):
        return gettext("Retention offer: %(percent)s%% off") % {"percent": percent}


def credit_description(*, language: str, number: str | None = None) -> str:
    with translation.override(django_language(language)):
        if number:
            return gettext("Credit note %(number)s applied") % {"number": number}
        return gettext("Account credit applied")
