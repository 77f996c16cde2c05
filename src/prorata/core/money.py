"""Money is an integer number of minor units and an ISO 4217 code. Never a float.

Currency precision comes from Babel's CLDR data. Rounding happens in exactly one place,
`round_half_up`, on an exact rational, once per invoice or credit line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies

from .errors import InvalidInput

_CURRENCIES = frozenset(list_currencies())


def validate_currency(code: str) -> str:
    """Return the upper-case ISO 4217 code, or raise `unknown_currency`."""
    normalised = (code or "").strip().upper()
    if len(normalised) != 3 or normalised not in _CURRENCIES:
        raise InvalidInput("unknown_currency", field="currency", value=code)
    return normalised


def minor_unit_exponent(currency: str) -> int:
    """Decimal places of the currency's minor unit (USD 2, JPY 0, KWD 3), from CLDR."""
    return int(get_currency_precision(validate_currency(currency)))


def round_half_up(numerator: int, denominator: int) -> int:
    """The one rounding rule: numerator / denominator to the nearest integer, halves away from zero.

    Exact on integers, so no float and no Decimal context can change the result.
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def to_decimal(amount: int, currency: str) -> Decimal:
    """The amount in major units, exactly (1857 USD -> Decimal('18.57'))."""
    return Decimal(amount).scaleb(-minor_unit_exponent(currency))


def format_money(amount: int, currency: str, locale: str = "en") -> str:
    """Format for people, in the locale's own way ("$18.57", "US$18.57" in zh-Hans)."""
    try:
        loc = Locale.parse(locale.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        loc = Locale.parse("en")
    return format_currency(to_decimal(amount, currency), currency, locale=loc)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units of one currency."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def format(self, locale: str = "en") -> str:
        return format_money(self.amount, self.currency, locale)
