"""Template filters: money, dates and names in the reader's language and the tenant's zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from django import template
from django.utils import timezone, translation

from prorata.core.money import format_money

from ..actors import may_open

register = template.Library()


def babel_locale() -> str:
    return "zh_Hans" if (translation.get_language() or "en").lower().startswith("zh") else "en"


@register.simple_tag
def money(amount: int | None, currency: str) -> str:
    """Minor units as the reader's locale writes them ("$18.57", "US$18.57")."""
    if amount is None or not currency:
        return ""
    return format_money(int(amount), currency, babel_locale())


@register.filter
def day(value: datetime | date | None, style: str = "long") -> str:
    """A date in the tenant's zone, in the reader's locale ("February 3, 2022", "2022年2月3日")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return format_date(value, format=style, locale=babel_locale())


@register.filter
def moment(value: datetime | None) -> str:
    """A date and time in the tenant's zone, in the reader's locale."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_datetime(local, format="medium", tzinfo=local.tzinfo, locale=babel_locale())


@register.filter
def moment_in(value: datetime | None, zone: str) -> str:
    """A date and time in the named IANA zone (a queue of many tenants), in the reader's locale."""
    import zoneinfo

    if value is None:
        return ""
    try:
        local = timezone.localtime(value, zoneinfo.ZoneInfo(zone or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = timezone.localtime(value, zoneinfo.ZoneInfo("UTC"))
    return format_datetime(local, format="medium", tzinfo=local.tzinfo, locale=babel_locale())


@register.filter
def localized_name(obj: Any) -> str:
    """A product's (or anything with `names`) name in the reader's language."""
    if obj is None:
        return ""
    names = getattr(obj, "names", None) or {}
    if babel_locale() == "zh_Hans":
        return names.get("zh-Hans") or names.get("zh-hans") or str(getattr(obj, "name", obj))
    return str(getattr(obj, "name", obj))


@register.filter
def can_open(user: Any, area: str) -> bool:
    return may_open(user, area)


@register.simple_tag(takes_context=True)
def active(context: dict[str, Any], *prefixes: str) -> str:
    """'page' when the current path starts with one of the prefixes, for aria-current."""
    request = context.get("request")
    path = getattr(request, "path", "")
    return "page" if any(path == p or (p != "/" and path.startswith(p)) for p in prefixes) else ""


@register.filter
def phone(value: str | None) -> str:
    """An E.164 number as people write it internationally ("+1 415-555-0100")."""
    import phonenumbers

    if not value:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(value, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return value


@register.filter
def zone_name(value: str | None) -> str:
    """An IANA zone as people name it in the reader's language ("China (Shanghai) Time")."""
    from babel.dates import get_timezone, get_timezone_location

    if not value or value in ("UTC", "Etc/UTC", "GMT", "Etc/GMT"):
        # CLDR has no place for UTC ("Unknown Region"); its own abbreviation reads best.
        return "UTC" if value else ""
    try:
        return get_timezone_location(get_timezone(value), locale=babel_locale())
    except LookupError:
        return value
