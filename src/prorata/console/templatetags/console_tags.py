"""Filters of the operator's console."""

from __future__ import annotations

from django import template

from prorata.core.money import format_money
from prorata.web.templatetags.prorata import babel_locale

register = template.Library()


@register.filter
def money_of(amount: int | None, currency: str) -> str:
    """Minor units as the reader's locale writes them, as a filter (inside blocktranslate)."""
    if amount is None or not currency:
        return ""
    return format_money(int(amount), currency, babel_locale())


@register.filter
def country_name(code: str | None) -> str:
    """An ISO 3166 code as the reader names the country ("Japan", "日本")."""
    from babel import Locale

    if not code:
        return ""
    return str(Locale.parse(babel_locale()).territories.get(code, code))
