"""The sandbox payment gateway, SPEC §8. It behaves like a card processor's test mode:

- 4242424242424242 is accepted and every charge succeeds;
- 4000000000000002 is declined when added;
- 4000000000000341 is accepted when added, and every charge to it is declined (dunning).

Prorata keeps only brand, last four digits and the gateway's token. As with a real processor,
the token is the gateway's own reference; this sandbox writes the card's behaviour into it, and
keeps what it was asked to do in its own ledger (`SandboxOperation`), so that it can answer
later what became of a charge. Any other number that passes the Luhn check behaves like 4242.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F

from prorata.core.clock import system_clock
from prorata.core.errors import InvalidInput, PaymentFailed
from prorata.platform.bulk import insert_rows

from .gateway import FAILED, SUCCEEDED, ChargeRequest, RefundRequest, Result, outside_transaction
from .models import SandboxOperation

DECLINED_ON_ADD = "4000000000000002"
DECLINES_CHARGES = "4000000000000341"

_OK, _CHARGE_FAILS = "ok", "chargefail"


@dataclass(frozen=True)
class Card:
    brand: str
    last4: str
    token: str


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


class SandboxGateway:
    """The sandbox processor: card behaviour from the token, every operation kept in its ledger.

    Like a real processor it honours idempotency keys (a second request with a key replays the
    first answer and charges nothing more; `SandboxOperation.requests` counts the requests) and
    answers what it did with a key. Its ledger is written in a transaction of its own.
    """

    name = "sandbox"

    def charge(self, requests: Sequence[ChargeRequest]) -> list[Result]:
        def answer(r: ChargeRequest) -> Result:
            if r.amount <= 0:
                raise ValueError("a charge is for a positive amount")
            if r.token.startswith(f"sbxtok_{_CHARGE_FAILS}_"):
                return Result(FAILED, _reference("ch", r.key), "card_declined")
            return Result(SUCCEEDED, _reference("ch", r.key))

        return self._operate("charge", [(r.key, r.token, r.amount, r.currency) for r in requests], [answer(r) for r in requests])

    def refund(self, requests: Sequence[RefundRequest]) -> list[Result]:
        for r in requests:
            if r.amount <= 0:
                raise ValueError("a refund is for a positive amount")
        # Refunds to a sandbox card always succeed.
        return self._operate("refund", [(r.key, r.token, r.amount, r.currency) for r in requests],
                             [Result(SUCCEEDED, _reference("re", r.key)) for r in requests])

    def find_charge(self, key: str, customer: str = "", tenant_id: str = "") -> Result | None:
        return self._find("charge", key)

    def find_refund(self, key: str, charge_reference: str = "") -> Result | None:
        return self._find("refund", key)

    def _find(self, kind: str, key: str) -> Result | None:
        outside_transaction()
        op = SandboxOperation.objects.filter(pk=key, kind=kind).first()
        return None if op is None else Result(op.status, op.reference, op.failure_code)

    def _operate(self, kind: str, asked: list[tuple[str, str, int, str]], answers: list[Result]) -> list[Result]:
        outside_transaction()
        if not asked:
            return []
        latency = float(getattr(settings, "PRORATA_SANDBOX_LATENCY", 0) or 0)
        if latency:
            # A real processor's round trip, for tests and benchmarks of what happens meanwhile.
            time.sleep(latency)
        keys = [k for k, *_ in asked]
        with transaction.atomic():
            known = {op.key: op for op in SandboxOperation.objects.select_for_update(no_key=True).filter(pk__in=keys)}
            now = system_clock.now()
            fresh, results, seen = [], [], set()
            for (key, token, amount, currency), answer in zip(asked, answers, strict=True):
                op = known.get(key)
                if op is not None or key in seen:
                    results.append(Result(op.status, op.reference, op.failure_code) if op is not None else answer)
                    continue
                seen.add(key)
                fresh.append((key, kind, token, amount, currency, answer.status, answer.failure_code, answer.reference, 1, now))
                results.append(answer)
            if known:
                SandboxOperation.objects.filter(pk__in=list(known)).update(requests=F("requests") + 1)
            insert_rows(SandboxOperation, ["key", "kind", "token", "amount", "currency", "status", "failure_code",
                                           "reference", "requests", "created_at"], fresh)
        return results
