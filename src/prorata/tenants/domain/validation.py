"""Validation of tenant and user input. Pure: returns clean values or raises InvalidInput."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime
from functools import cache
from typing import Any

from babel import Locale

from prorata.core.errors import InvalidInput

LANGUAGES = ("en", "zh-Hans")
TENANT_ROLES = ("global_admin", "billing_admin", "user")
NAME_MAX = 200
EMAIL_MAX = 254
PASSWORD_MAX = 256
# Times outside these years are typing mistakes, and some databases cannot store them.
MIN_YEAR, MAX_YEAR = 1970, 9000
_ALPHA2 = re.compile(r"^[A-Z]{2}$")
_NOT_ISO_3166 = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


@cache
def _territories() -> frozenset[str]:
    # CLDR names regions ("001", "150"), groupings (EU, EZ, UN, QO), pseudo and user-assigned codes
    # (XA, XB, XK, ZZ) and ISO's exceptionally reserved codes (AC, CP, CQ, DG, EA, IC, TA) beside
    # the 249 officially assigned ISO 3166-1 codes; keep only those.
    names = Locale.parse("en").territories
    return frozenset(code for code in names if _ALPHA2.match(code) and code not in _NOT_ISO_3166)


def countries() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code a tenant's country may be."""
    return _territories()


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and "\x00" not in value else None


def clean_name(value: Any, field: str = "name", code: str = "invalid_tenant_name") -> str:
    text = _text(value)
    if not text or len(text) > NAME_MAX:
        raise InvalidInput(code, details={"field": field}, max=NAME_MAX)
    return text


def clean_country(value: Any) -> str:
    """An ISO 3166-1 alpha-2 code known to CLDR, upper case."""
    text = (_text(value) or "").upper()
    if text not in _territories():
        raise InvalidInput("invalid_country", details={"field": "country"}, value=value)
    return text


def clean_language(value: Any, *, allow_blank: bool = False) -> str:
    if allow_blank and value == "":
        return ""
    if value not in LANGUAGES:
        raise InvalidInput("invalid_language", details={"field": "language", "allowed": list(LANGUAGES)}, value=value)
    return str(value)


def clean_timezone(value: Any) -> str:
    """An IANA time zone name, exactly as the tz database spells it ("Asia/Shanghai")."""
    text = _text(value)
    if not text or text not in _timezones():
        raise InvalidInput("invalid_timezone", details={"field": "timezone"}, value=value)
    return text


def clean_role(value: Any) -> str:
    if value not in TENANT_ROLES:
        raise InvalidInput("invalid_role", details={"field": "role", "allowed": list(TENANT_ROLES)}, value=value)
    return str(value)


def clean_time(value: Any, field: str = "frozen_time") -> datetime:
    """An aware datetime as UTC; naive times and absurd years are refused."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("invalid_time", details={"field": field}, field=field)
    at = value.astimezone(UTC)
    if not MIN_YEAR <= at.year <= MAX_YEAR:
        raise InvalidInput("invalid_time", details={"field": field}, field=field)
    return at


# The fields of a billing profile and their longest value.
PROFILE_FIELDS = {
    "legal_name": 200, "address_line1": 200, "address_line2": 200, "city": 100, "region": 100,
    "postal_code": 20, "country": 2, "tax_id": 40,
}
_TAX_ID_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .\-/]{1,38}[A-Za-z0-9]$")


def _tax_id_module(country: str) -> Any:
    """python-stdnum's validator of a business tax id of `country` (VAT, GST, USCC, EIN…)."""
    from stdnum.eu import vat as eu_vat
    from stdnum.util import get_cc_module

    # An EU VAT number is written with its country prefix (DE136695976), as VIES checks it.
    if country.lower() in eu_vat.MEMBER_STATES or country == "GR":
        return eu_vat
    for name in ("vat", "tin"):
        module = get_cc_module(country.lower(), name)
        if module is not None:
            return module
    return None


def clean_tax_id(value: Any, country: str) -> str:
    """A tax id valid for `country` (checksums included where python-stdnum knows the country),
    in its compact form; blank stays blank. Without a country only its shape is checked."""
    text = _text(value)
    if text is None:
        raise InvalidInput("invalid_tax_id", details={"field": "tax_id"}, value="")
    if not text:
        return ""
    if not _TAX_ID_SHAPE.match(text):
        raise InvalidInput("invalid_tax_id", details={"field": "tax_id"}, value=text[:40])
    module = _tax_id_module(country) if country else None
    if module is None:
        return text.upper()
    from stdnum.exceptions import ValidationError

    try:
        return str(module.validate(text))
    except ValidationError:
        raise InvalidInput("invalid_tax_id", details={"field": "tax_id", "country": country}, value=text[:40]) from None


def clean_billing_profile(values: dict[str, Any]) -> dict[str, str]:
    """Every field of a billing profile, trimmed and checked: lengths, the country (ISO 3166),
    the tax id for that country. A legal name is required once anything else is given."""
    out: dict[str, str] = {}
    for name, longest in PROFILE_FIELDS.items():
        raw = values.get(name, "")
        text = _text(raw if raw is not None else "")
        if text is None or (name not in ("country", "tax_id") and len(text) > longest):
            raise InvalidInput("invalid_profile_field", details={"field": name}, max=longest)
        out[name] = text
    if out["country"]:
        out["country"] = clean_country(out["country"])
    out["tax_id"] = clean_tax_id(out["tax_id"], out["country"])
    if not out["legal_name"] and any(v for k, v in out.items() if k != "legal_name"):
        raise InvalidInput("legal_name_required", details={"field": "legal_name"})
    return out
