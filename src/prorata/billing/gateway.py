"""The sandbox payment gateway, SPEC §8. It behaves like a card processor's test mode:

- 4242424242424242 is accepted and every charge succeeds;
- 4000000000000002 is declined when added;
- 4000000000000341 is accepted when added, and every charge to it is declined (dunning).

Prorata keeps only brand, last four digits and the gateway's token. As with a real processor,
the token is the gateway's own reference; this sandbox writes the card's behaviour into it so
that it needs no storage of its own. Any other number that passes the Luhn check behaves like 4242.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from prorata.core.errors import InvalidInput, PaymentFailed

DECLINED_ON_ADD = "4000000000000002"
DECLINES_CHARGES = "4000000000000341"

_OK, _CHARGE_FAILS = "ok", "chargefail"


@dataclass(frozen=True)
class Card:
    brand: str
    last4: str
    token: str


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    reference: str
    failure_code: str = ""


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if 51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number.startswith(("6011", "65")):
        return "discover"
    if number[:2] in {"62", "81"}:
        return "unionpay"
    if number.startswith("35"):
        return "jcb"
    return "unknown"


def _normalise(number: str) -> str:
    digits = "".join(ch for ch in str(number) if not ch.isspace() and ch != "-")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not luhn_ok(digits):
        raise InvalidInput("invalid_card_number", field="card_number")
    return digits


def add_card(number: str, exp_month: int, exp_year: int, cvc: str, *, year: int, month: int) -> Card:
    """Validate and tokenize a card. (year, month) is today in business time, for expiry."""
    digits = _normalise(number)
    if not 1 <= int(exp_month) <= 12:
        raise InvalidInput("invalid_expiry", field="exp_month")
    if (int(exp_year), int(exp_month)) < (year, month):
        raise PaymentFailed("card_expired")
    cvc = str(cvc or "")
    if not cvc.isdigit() or len(cvc) not in (3, 4):
        raise InvalidInput("invalid_cvc", field="cvc")
    if digits == DECLINED_ON_ADD:
        raise PaymentFailed("card_declined")
    return _tokenize(digits)


def _tokenize(digits: str) -> Card:
    behaviour = _CHARGE_FAILS if digits == DECLINES_CHARGES else _OK
    return Card(brand=brand_of(digits), last4=digits[-4:], token=f"sbxtok_{behaviour}_{secrets.token_hex(12)}")


def tokenize_for_tests(number: str) -> tuple[str, str, str]:
    card = _tokenize(_normalise(number))
    return card.brand, card.last4, card.token


def _reference(kind: str, idempotency_key: str) -> str:
    # The same idempotency key always gives the same reference, as a processor replays it.
    return f"sbx_{kind}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"


def charge(token: str, amount: int, currency: str, *, idempotency_key: str) -> ChargeResult:
    """Charge `amount` minor units to the card behind `token`."""
    if amount <= 0:
        raise ValueError("a charge is for a positive amount")
    if token.startswith(f"sbxtok_{_CHARGE_FAILS}_"):
        return ChargeResult(False, _reference("ch", idempotency_key), "card_declined")
    return ChargeResult(True, _reference("ch", idempotency_key))


def refund(token: str, amount: int, currency: str, *, idempotency_key: str) -> ChargeResult:
    """Return `amount` to the card behind `token`. Refunds to a sandbox card always succeed."""
    if amount <= 0:
        raise ValueError("a refund is for a positive amount")
    return ChargeResult(True, _reference("re", idempotency_key))
