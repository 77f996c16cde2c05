"""What an action that moves money would do, before it is done: the review step.

Each preview runs the very planning code of its service (`seat_increase_plan`,
`seat_decrease_amount`, `reactivation_plan`: the pure planner in `billing.domain.renewal`) on the
subscription as it is now, inside a transaction that writes nothing, and raises the service's own
refusals. No amount is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from prorata.core.actor import Actor
from prorata.core.transitions import ACTIVE
from prorata.tenants.selectors import default_payment_method, now_for

from .common import subscription_lock
from .purchase import valid_quantity
from .quantity import _locked_for_change, seat_decrease_amount, seat_increase_plan
from .reactivate import reactivation_plan


@dataclass(frozen=True)
class MoneyPreview:
    """`kind`: `charge` (the card is charged `amount` at `at`), `credit` (a credit note of
    `amount`, returned by `at`), or `none` (nothing is charged or credited)."""

    action: str  # quantity | reactivate
    kind: str
    amount: int
    currency: str
    at: datetime
    subtotal: int = 0
    credit_applied: int = 0
    card: Any = None  # the payment method charged, when kind is charge
    quantity_before: int = 0
    quantity_after: int = 0
    period_start: datetime | None = None
    period_end: datetime | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "action": self.action, "kind": self.kind, "amount": self.amount, "currency": self.currency,
            "at": self.at, "subtotal": self.subtotal, "credit_applied": self.credit_applied,
            "payment_method": (
                {"id": self.card.pk, "brand": self.card.brand, "last4": self.card.last4} if self.card is not None else None
            ),
            "quantity_before": self.quantity_before, "quantity_after": self.quantity_after,
            "period_start": self.period_start, "period_end": self.period_end,
        }


class _Rollback(Exception):
    pass


def _read_only(fn: Any) -> Any:
    """Run `fn` in a transaction that is always rolled back: a preview never writes."""
    box: list[Any] = []
    try:
        with transaction.atomic():
            box.append(fn())
            raise _Rollback
    except _Rollback:
        return box[0]


def quantity_change_preview(*, actor: Actor, subscription_id: str, quantity: int) -> MoneyPreview:
    """What `subscription_change_quantity(quantity=...)` would charge or credit now."""
    quantity = valid_quantity(quantity)

    def run() -> MoneyPreview:
        sub, _assigned = _locked_for_change(actor, subscription_id, quantity)
        at = now_for(sub.tenant)
        currency = sub.plan.currency
        common = {"action": "quantity", "currency": currency, "quantity_before": sub.quantity, "quantity_after": quantity,
                  "period_start": sub.current_period_start, "period_end": sub.current_period_end}
        if quantity > sub.quantity and sub.status == ACTIVE:
            method, _credit, _inp, planned = seat_increase_plan(sub, quantity)
            invoice = planned.invoice
            total = invoice.total if invoice else 0
            return MoneyPreview(kind="charge" if total > 0 else "none", amount=total, at=at,
                                subtotal=invoice.subtotal if invoice else 0,
                                credit_applied=invoice.credit_applied if invoice else 0,
                                card=method if total > 0 else None, **common)
        _invoice, credit = seat_decrease_amount(sub, quantity, at)
        if credit > 0:
            settles = sub.current_period_end if sub.plan.credit_settlement == "next_billing_cycle" else at
            return MoneyPreview(kind="credit", amount=credit, at=settles, card=default_payment_method(sub.tenant), **common)
        return MoneyPreview(kind="none", amount=0, at=at, **common)

    return _read_only(run)


def reactivation_preview(*, actor: Actor, subscription_id: str) -> MoneyPreview:
    """What `subscription_reactivate` would charge now, and for which period."""

    def run() -> MoneyPreview:
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        method, _credit, _inp, planned = reactivation_plan(sub)
        invoice = planned.invoice
        total = invoice.total if invoice else 0
        start, end = planned.period if planned.period else (None, None)
        return MoneyPreview(action="reactivate", kind="charge" if total > 0 else "none", amount=total,
                            currency=sub.plan.currency, at=planned.at, subtotal=invoice.subtotal if invoice else 0,
                            credit_applied=invoice.credit_applied if invoice else 0, card=method if total > 0 else None,
                            quantity_before=sub.quantity, quantity_after=sub.quantity, period_start=start, period_end=end)

    return _read_only(run)
