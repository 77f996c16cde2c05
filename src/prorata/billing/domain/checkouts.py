"""The plans of billing done now, at a customer's request: a purchase, a reactivation, more or
fewer seats, a plan change. The same types, keys and credit rules as the billing pass's work
(`billing.domain.renewal`), which settles them (`settle`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prorata.core.periods import period
from prorata.core.proration import remaining_charge, unused_credit

from .renewal import (
    PLAN_CHANGE,
    PURCHASE,
    REACTIVATION,
    SEATS,
    BillingInput,
    Charge,
    Credit,
    InvoicePlan,
    Line,
    Plan,
    Price,
    SubscriptionFacts,
    apply_credits,
    charge_key,
    due_date,
    period_invoice,
    plan_charge_key,
    seat_charge_key,
)
from .schedule import Work


def _new_period(purpose: str, subscription_id: str, quantity: int, price: Price, timezone: str, at: datetime,
                payment_method_id: str | None, credits: Sequence[Credit],
                send_invoice: bool = False) -> tuple[InvoicePlan, Charge | None, tuple[datetime, datetime]]:
    """A first period [at, at + interval) invoiced, and charged when anything is owed (unless
    the invoice is sent: pay by invoice)."""
    start, end = period(at, price.interval, 0, timezone)  # type: ignore[arg-type]
    invoice = period_invoice(price, quantity, start, end, credits)
    charge = None
    if invoice.total > 0 and not send_invoice:
        charge = Charge(charge_key(subscription_id, start, 1), purpose, invoice.total, price.currency, 1, payment_method_id)
    return invoice, charge, (start, end)


def plan_purchase(*, subscription_id: str, quantity: int, price: Price, timezone: str, at: datetime,
                  payment_method_id: str | None, credits: Sequence[Credit] = (), send_invoice: bool = False,
                  days_until_due: int = 30) -> Plan:
    """Buying a paid subscription now: the first period [at, at + interval) invoiced and charged
    (or, paying by invoice, sent: due `days_until_due` days from now)."""
    invoice, charge, span = _new_period(PURCHASE, subscription_id, quantity, price, timezone, at, payment_method_id, credits,
                                        send_invoice)
    return Plan(Work(PURCHASE, at), at, invoice=invoice, charge=charge, period=span, anchor=at, quantity=quantity,
                due_at=due_date(send_invoice, days_until_due, at, invoice.total))


def plan_reactivation(inp: BillingInput, at: datetime) -> Plan:
    """An expired or disabled subscription back: a new period from `at`, which is the new anchor."""
    s = inp.subscription
    invoice, charge, span = _new_period(REACTIVATION, s.id, s.quantity, inp.price, inp.timezone, at,
                                        inp.payment_method_id, inp.credits, s.send_invoice)
    return Plan(Work(REACTIVATION, at), at, invoice=invoice, charge=charge, period=span, anchor=at,
                due_at=due_date(s.send_invoice, s.days_until_due, at, invoice.total))


def plan_seat_increase(inp: BillingInput, *, quantity: int, at: datetime, unit_amount: int) -> Plan:
    """More seats mid-period: round_half_up(added × unit amount × remaining / total), charged now.

    `unit_amount` is what the period's invoice charged per seat (never today's price).
    """
    s, price = inp.subscription, inp.price
    added = quantity - s.quantity
    if added <= 0:
        raise ValueError("a seat increase adds seats")
    end = s.current_period_end
    amount = remaining_charge(added * unit_amount, s.current_period_start, end, at, price.proration_unit, inp.timezone)  # type: ignore[arg-type]
    lines = [Line("proration", added, unit_amount, amount, at, end)]
    apply_credits(lines, inp.credits)
    invoice = InvoicePlan("proration", price.currency, at, end, tuple(lines))
    charge = None
    if invoice.total > 0 and not s.send_invoice:
        charge = Charge(seat_charge_key(s.id, at, s.quantity, quantity), SEATS, invoice.total, price.currency, 1,
                        inp.payment_method_id)
    return Plan(Work(SEATS, at), at, invoice=invoice, charge=charge, quantity=quantity,
                due_at=due_date(s.send_invoice, s.days_until_due, at, invoice.total))


def plan_change_now(inp: BillingInput, *, new_price: Price, quantity: int, at: datetime, paid_unit_amount: int) -> Plan:
    """A plan change now, inside the paid period [start, end), on one invoice of kind `change`:

    - `unused_time`: minus the unused part of what the period charged for the current seats on
      the current plan, round_half_up(seats × `paid_unit_amount` × remaining / total) — the
      same credit a cancellation at `at` would give;
    - `proration`: the rest of the period on the new plan, round_half_up(quantity × new unit
      amount × remaining / total) — the same charge a seat increase makes;
    - then the tenant's credit. Charged now when the total is positive. The period (and its
      anchor) stays; only an upgrade (total ≥ 0) is made now.
    """
    s, price = inp.subscription, inp.price
    if new_price.currency != price.currency or new_price.interval != price.interval:
        raise ValueError("a plan change now keeps the currency and the interval")
    end = s.current_period_end
    credit, amount = plan_change_amounts(inp, new_price=new_price, quantity=quantity, at=at, paid_unit_amount=paid_unit_amount)
    if amount < credit:
        raise ValueError("a plan change now is an upgrade")
    lines = [Line("unused_time", s.quantity, paid_unit_amount, -credit, at, end),
             Line("proration", quantity, new_price.unit_amount, amount, at, end)]
    apply_credits(lines, inp.credits)
    invoice = InvoicePlan("change", price.currency, at, end, tuple(lines))
    charge = None
    if invoice.total > 0 and not s.send_invoice:
        charge = Charge(plan_charge_key(s.id, at, price.plan_id, new_price.plan_id, quantity), PLAN_CHANGE,
                        invoice.total, price.currency, 1, inp.payment_method_id)
    return Plan(Work(PLAN_CHANGE, at), at, invoice=invoice, charge=charge, quantity=quantity, plan_id=new_price.plan_id,
                due_at=due_date(s.send_invoice, s.days_until_due, at, invoice.total))


def plan_change_amounts(inp: BillingInput, *, new_price: Price, quantity: int, at: datetime,
                        paid_unit_amount: int) -> tuple[int, int]:
    """(credit for the current plan's unused part, charge for the rest on the new plan) at `at`:
    what tells an upgrade (charge ≥ credit) from a downgrade."""
    s, price, tz = inp.subscription, inp.price, inp.timezone
    start, end = s.current_period_start, s.current_period_end
    credit = unused_credit(paid_unit_amount * s.quantity, start, end, at, price.proration_unit, tz)  # type: ignore[arg-type]
    amount = remaining_charge(quantity * new_price.unit_amount, start, end, at, new_price.proration_unit, tz)  # type: ignore[arg-type]
    return credit, amount


def seat_decrease_credit(facts: SubscriptionFacts, price: Price, timezone: str, *, quantity: int, at: datetime,
                         unit_amount: int) -> int:
    """The credit for removed seats: the unused part of what the period charged for them."""
    removed = facts.quantity - quantity
    if removed <= 0:
        raise ValueError("a seat decrease removes seats")
    return unused_credit(unit_amount * removed, facts.current_period_start, facts.current_period_end, at,
                         price.proration_unit, timezone)  # type: ignore[arg-type]
