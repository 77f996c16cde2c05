"""core.money: CLDR precision, currency validation, the one rounding rule, formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prorata.core.errors import InvalidInput
from prorata.core.money import (
    Money,
    format_money,
    minor_unit_exponent,
    round_half_up,
    to_decimal,
    validate_currency,
)


@pytest.mark.parametrize(("currency", "exponent"), [("USD", 2), ("EUR", 2), ("CNY", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3)])
def test_minor_unit_exponent_comes_from_cldr(currency: str, exponent: int) -> None:
    assert minor_unit_exponent(currency) == exponent


@pytest.mark.parametrize(("raw", "expected"), [("USD", "USD"), ("usd", "USD"), (" jpy ", "JPY"), ("Kwd", "KWD")])
def test_validate_currency_normalises(raw: str, expected: str) -> None:
    assert validate_currency(raw) == expected


@pytest.mark.parametrize("raw", ["", "US", "USDD", "XYZ", "ABC", "12$", None])
def test_validate_currency_rejects_unknown_codes(raw: str | None) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_currency(raw)  # type: ignore[arg-type]
    assert info.value.code == "unknown_currency"
    assert info.value.params == {"field": "currency", "value": raw}
    assert info.value.status == 400


def test_minor_unit_exponent_of_unknown_currency_is_refused() -> None:
    with pytest.raises(InvalidInput):
        minor_unit_exponent("QQQ")


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (0, 7, 0),
        (1, 2, 1),  # a half rounds up, not to even
        (3, 2, 2),
        (5, 2, 3),  # half-to-even would give 2
        (-1, 2, -1),  # halves round away from zero
        (-5, 2, -3),
        (1, 3, 0),
        (2, 3, 1),
        (-2, 3, -1),
        (-1, 3, 0),
        (52000, 28, 1857),  # 2000 x 26 / 28 = 1857.142857...
        (2000 * 26, 28, 1857),
        (1000000 * 184, 365, 504110),  # 504109.589... -> 504110
        (10000 * 17, 31, 5484),  # 5483.87 -> 5484
        (25, 10, 3),  # 2.5 -> 3
        (24999, 10000, 2),
        (25000, 10000, 3),
        (10**30 + 1, 2, 5 * 10**29 + 1),  # exact on big integers, where floats would not be
    ],
)
def test_round_half_up_exact(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_up(numerator, denominator) == expected


@pytest.mark.parametrize("denominator", [0, -1, -10])
def test_round_half_up_refuses_non_positive_denominator(denominator: int) -> None:
    with pytest.raises(ValueError):
        round_half_up(1, denominator)


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=1, max_value=10**9))
def test_round_half_up_matches_decimal_round_half_up(numerator: int, denominator: int) -> None:
    # Decimal's 28-digit context resolves every quotient in this range exactly enough: when
    # the quotient is not a half, it is at least 1/(2 x denominator) away from one.
    expected = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert round_half_up(numerator, denominator) == int(expected)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [(1857, "USD", Decimal("18.57")), (1857, "JPY", Decimal("1857")), (1857, "KWD", Decimal("1.857")), (-5, "USD", Decimal("-0.05"))],
)
def test_to_decimal_is_exact(amount: int, currency: str, expected: Decimal) -> None:
    assert to_decimal(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (1857, "USD", "en", "$18.57"),
        (123456, "USD", "en", "$1,234.56"),
        (123456, "JPY", "en", "¥123,456"),
        (123456, "KWD", "en", "KWD123.456"),
        (123456, "EUR", "en", "€1,234.56"),
        (-1857, "USD", "en", "-$18.57"),
        (1857, "USD", "zh-Hans", "US$18.57"),
        (123456, "CNY", "zh-Hans", "¥1,234.56"),
        (123456, "JPY", "zh-Hans", "JP¥123,456"),
        (1857, "CNY", "zh_Hans", "¥18.57"),
        (1857, "USD", "not a locale", "$18.57"),  # falls back to English
    ],
)
def test_format_money(amount: int, currency: str, locale: str, expected: str) -> None:
    assert format_money(amount, currency, locale) == expected


def test_money_adds_and_subtracts_within_one_currency() -> None:
    assert Money(1000, "USD") + Money(857, "USD") == Money(1857, "USD")
    assert Money(1000, "USD") - Money(1857, "USD") == Money(-857, "USD")
    assert Money(1857, "USD").format() == "$18.57"
    assert Money(1857, "USD").format("zh-Hans") == "US$18.57"


def test_money_refuses_mixed_currencies() -> None:
    with pytest.raises(ValueError):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(ValueError):
        Money(1, "USD") - Money(1, "JPY")


@pytest.mark.parametrize("amount", [1.5, Decimal("1.50"), "150", True])
def test_money_amount_must_be_int_minor_units(amount: object) -> None:
    with pytest.raises(TypeError):
        Money(amount, "USD")  # type: ignore[arg-type]
