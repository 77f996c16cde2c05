"""The billing planner: what a subscription's billing work invoices, charges and changes.

Pure: frozen facts in, frozen plans out, time as an argument. Every amount Prorata invoices is
computed here — trial conversion, renewal, retry, reactivation, purchase, seat changes, and the
"next charge" the admin center shows — and nowhere else.

Purchases, reactivations, seat changes and plan changes made now are planned in
`billing.domain.checkouts`, with the same types and helpers.

Two steps, because money moves in between:

1. `plan_*` → a `Plan`: the invoice to issue (lines, credit applied, totals), the charge to
   make (its amount and a key derived from business facts only: subscription, period start,
   attempt), the period the subscription moves to.
2. `settle(plan, facts, result)` → an `Outcome`, given what the gateway answered (or None when
   nothing had to be charged): the payment row, the invoice's status, the subscription's new
   fields, its status change through `prorata.core.transitions`, the next due work, the events.

A plan is stored (as JSON) with the gateway call before the call is made, so a pass that finds a
call without an outcome can settle it later from the gateway's answer without planning again.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from prorata.core.clock import ensure_utc
from prorata.core.money import round_half_up
from prorata.core.periods import boundary, period_index_at
from prorata.core.transitions import ACTIVE, PAST_DUE, TRIALING, Event, next_status

from .schedule import (
    COLLECT,
    DISABLED_END,
    GRACE_END,
    PERIOD_END,
    RENEW,
    TRIAL_END,
    Facts,
    Policy,
    Work,
    next_work,
    retries_exhausted,
)

# What a charge is for (a gateway call's purpose).
CONVERSION = "conversion"
RENEWAL = "renewal"
RETRY = "retry"
PURCHASE = "purchase"
REACTIVATION = "reactivation"
SEATS = "seats"
PLAN_CHANGE = "plan_change"
# Charges made by a request that waits for them: a declined charge changes nothing.
CHECKOUTS = frozenset({PURCHASE, REACTIVATION, SEATS, PLAN_CHANGE})

# Gateway answers.
SUCCEEDED = "succeeded"
FAILED = "failed"
REQUIRES_ACTION = "requires_action"

PAYMENT_METHOD_REQUIRED = "payment_method_required"
BALANCE = "balance"

# The webhook event each status change is reported as.
STATUS_EVENTS = {
    Event.TRIAL_CONVERTED: "subscription.trial_converted",
    Event.TRIAL_CONVERSION_FAILED: "subscription.past_due",
    Event.TRIAL_EXPIRED: "subscription.trial_expired",
    Event.RENEWAL_FAILED: "subscription.past_due",
    Event.INVOICE_OVERDUE: "subscription.past_due",
    Event.OVERDUE_CLEARED: "subscription.renewed",
    Event.RETRY_SUCCEEDED: "subscription.renewed",
    Event.RETRIES_EXHAUSTED: "subscription.expired",
    Event.PERIOD_ENDED: "subscription.expired",
    Event.GRACE_ENDED: "subscription.disabled",
    Event.DISABLED_ENDED: "subscription.deleted",
    Event.REACTIVATED: "subscription.reactivated",
}


# -- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Price:
    """What the plan charges, and the policy fields billing needs."""

    plan_id: str
    currency: str
    unit_amount: int
    interval: str
    proration_unit: str = "day"
    grace_days: int = 30
    disabled_days: int = 90


@dataclass(frozen=True, slots=True)
class SubscriptionFacts:
    id: str
    status: str
    quantity: int
    recurring_billing: bool
    billing_anchor: datetime
    current_period_start: datetime
    current_period_end: datetime
    trial_end: datetime | None
    status_changed_at: datetime
    canceled_at: datetime | None
    # Failed charge attempts on the current period's invoice.
    payment_attempts: int
    # A retention discount accepted: this percent off the next `discount_periods` period invoices.
    discount_percent: int = 0
    discount_periods: int = 0
    # Pay by invoice (the tenant's `collection` is `send_invoice`): invoices are sent, not
    # charged, and due `days_until_due` days after they are issued; `due_at` is the current
    # period's open invoice's due date.
    send_invoice: bool = False
    days_until_due: int = 30
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Credit:
    """Money of the tenant's that an invoice may take: its credit balance, or what is left of a
    credit note settling at this boundary (SPEC R6). Applied in the order given."""

    source: str  # BALANCE or a credit note id
    available: int
    number: str = ""  # the credit note's number


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """The current period's invoice, issued and not yet paid."""

    id: str
    owed: int


@dataclass(frozen=True, slots=True)
class Change:
    """A plan change scheduled for the end of the current period: the renewal at that boundary
    invoices the new plan (its price, interval and `quantity` seats) instead of the current one."""

    price: Price
    quantity: int


@dataclass(frozen=True)
class BillingInput:
    subscription: SubscriptionFacts
    price: Price
    timezone: str
    payment_method_id: str | None
    credits: tuple[Credit, ...] = ()
    open_invoice: OpenInvoice | None = None
    change: Change | None = None


# -- plans ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    # charge | proration | unused_time (the old plan's rest, credited on a plan change) |
    # discount (a retention offer's percent off a period) | credit_applied
    kind: str
    quantity: int
    unit_amount: int
    amount: int  # signed: charges positive, credit applied negative
    period_start: datetime | None = None
    period_end: datetime | None = None
    credit_source: str = ""  # credit_applied: BALANCE or the credit note's id
    credit_number: str = ""


@dataclass(frozen=True)
class InvoicePlan:
    """An invoice to issue. subtotal = the charges; total = subtotal − credit applied ≥ 0."""

    kind: str  # period | proration | change
    currency: str
    period_start: datetime
    period_end: datetime
    lines: tuple[Line, ...]

    @property
    def subtotal(self) -> int:
        return sum(x.amount for x in self.lines if x.kind != "credit_applied")

    @property
    def credit_applied(self) -> int:
        return -sum(x.amount for x in self.lines if x.kind == "credit_applied")

    @property
    def total(self) -> int:
        return self.subtotal - self.credit_applied

    def credit_taken(self) -> tuple[tuple[str, int], ...]:
        """(source, amount) of every credit this invoice takes."""
        return tuple((x.credit_source, -x.amount) for x in self.lines if x.kind == "credit_applied")


@dataclass(frozen=True, slots=True)
class Charge:
    key: str
    purpose: str
    amount: int
    currency: str
    attempt: int
    # None: there is no card, and the charge fails without asking the gateway.
    payment_method_id: str | None


@dataclass(frozen=True)
class Plan:
    work: Work
    at: datetime
    # A new invoice to issue; or, for a retry, the open invoice to charge again.
    invoice: InvoicePlan | None = None
    collect: OpenInvoice | None = None
    charge: Charge | None = None
    # The subscription's period (and anchor, quantity) after this work, when they move.
    period: tuple[datetime, datetime] | None = None
    anchor: datetime | None = None
    quantity: int | None = None
    # The plan the subscription moves to with this work (a plan change, now or at the boundary).
    plan_id: str | None = None
    # Pay by invoice: the issued invoice is sent, not charged, and due then.
    due_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return _plan_to_json(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> Plan:
        return _plan_from_json(data)


@dataclass(frozen=True, slots=True)
class ChargeResult:
    status: str  # SUCCEEDED | FAILED | REQUIRES_ACTION
    failure_code: str = ""
    reference: str = ""


@dataclass(frozen=True)
class Outcome:
    """What the work did, once its charge (if any) has an answer."""

    # Checkouts only: the code of a refused charge. Nothing else of the outcome applies.
    refused: str = ""
    # The payment row (status, failure code) of the charge, if one was attempted.
    payment: ChargeResult | None = None
    # Status of the plan's invoice (issued or collected) afterwards, and what was paid on it now.
    invoice_status: str = ""
    paid_now: int = 0
    # The subscription's fields afterwards (only those that change are present).
    fields: dict[str, Any] = field(default_factory=dict)
    status_change: tuple[str, str, str] | None = None  # (from, to, transition event)
    # Webhook event types, in the order they happened.
    events: tuple[str, ...] = ()


# -- helpers --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def _iso(value: datetime) -> str:
    return ensure_utc(value).isoformat()


def charge_key(subscription_id: str, period_start: datetime, attempt: int) -> str:
    """The charge's business key: the same subscription, period and attempt always give the same
    key, however often a pass runs or crashes (the gateway's idempotency key too)."""
    return f"{subscription_id}/{_iso(period_start)}/{attempt}"


def seat_charge_key(subscription_id: str, at: datetime, old: int, new: int) -> str:
    return f"{subscription_id}/{_iso(at)}/seats/{old}-{new}"


def plan_charge_key(subscription_id: str, at: datetime, old_plan: str, new_plan: str, quantity: int) -> str:
    return f"{subscription_id}/{_iso(at)}/plan/{old_plan}-{new_plan}/{quantity}"


def apply_credits(lines: list[Line], credits: Sequence[Credit]) -> None:
    """Append `credit_applied` lines taking what each credit has, up to what is still owed."""
    owed = sum(x.amount for x in lines)
    for credit in credits:
        take = min(owed, max(credit.available, 0))
        if take <= 0:
            continue
        lines.append(Line("credit_applied", 1, -take, -take, credit_source=credit.source, credit_number=credit.number))
        owed -= take


def remaining_credits(credits: Sequence[Credit], invoice: InvoicePlan | None) -> tuple[Credit, ...]:
    """What is left of `credits` after `invoice` took its part (for the next invoice of the tenant)."""
    if invoice is None:
        return tuple(credits)
    taken: dict[str, int] = {}
    for source, amount in invoice.credit_taken():
        taken[source] = taken.get(source, 0) + amount
    return tuple(replace(c, available=c.available - taken.get(c.source, 0)) for c in credits)


def period_invoice(price: Price, quantity: int, start: datetime, end: datetime, credits: Sequence[Credit],
                    discount_percent: int = 0) -> InvoicePlan:
    """A whole period in advance: quantity × unit amount, less a retention discount
    (round_half_up(charge × percent / 100), its own line), then the tenant's credit."""
    amount = quantity * price.unit_amount
    lines = [Line("charge", quantity, price.unit_amount, amount, start, end)]
    if discount_percent > 0:
        off = round_half_up(amount * min(discount_percent, 100), 100)
        if off > 0:
            lines.append(Line("discount", 1, -off, -off, start, end))
    apply_credits(lines, credits)
    return InvoicePlan("period", price.currency, start, end, tuple(lines))


def _facts(s: SubscriptionFacts, invoice_open: bool) -> Facts:
    return Facts(
        status=s.status, recurring_billing=s.recurring_billing, current_period_start=s.current_period_start,
        current_period_end=s.current_period_end, trial_end=s.trial_end, status_changed_at=s.status_changed_at,
        canceled_at=s.canceled_at, payment_attempts=s.payment_attempts, invoice_open=invoice_open,
        due_at=s.due_at if s.send_invoice else None,
    )


def due_date(send_invoice: bool, days_until_due: int, at: datetime, total: int) -> datetime | None:
    """When an invoice issued at `at` for `total` is due: `days_until_due` days later for a sent
    invoice that asks for money; None for an invoice that is charged (or owes nothing)."""
    if not send_invoice or total <= 0:
        return None
    return ensure_utc(at) + timedelta(days=days_until_due)


def policy_of(price: Price) -> Policy:
    return Policy(grace_days=price.grace_days, disabled_days=price.disabled_days)


def due_work(facts: SubscriptionFacts, price: Price, invoice_open: bool) -> Work | None:
    """The subscription's next billing work (schedule.next_work on these facts)."""
    return next_work(_facts(facts, invoice_open), policy_of(price))


def _charge(purpose: str, key: str, amount: int, price: Price, attempt: int, inp: BillingInput) -> Charge | None:
    if amount <= 0:
        return None
    return Charge(key, purpose, amount, price.currency, attempt, inp.payment_method_id)


# -- planning -------------------------------------------------------------------------------


def plan_due(inp: BillingInput, work: Work) -> Plan:
    """The plan for one piece of due work (schedule.next_work) of a subscription."""
    s, price, tz = inp.subscription, inp.price, inp.timezone
    at = work.due
    if work.kind in (TRIAL_END, RENEW):
        # A tenant paying by invoice needs no card for its trial to convert.
        if work.kind == TRIAL_END and not (s.recurring_billing and s.canceled_at is None
                                           and (inp.payment_method_id or s.send_invoice)):
            return Plan(work, at)  # the trial expires (R2)
        anchor, start = s.billing_anchor, (at if work.kind == TRIAL_END else s.current_period_end)
        quantity, change = s.quantity, inp.change if work.kind == RENEW else None
        if change is not None:
            # A scheduled plan change takes effect at this boundary; a new interval starts its
            # periods (and its anchor) here.
            quantity = change.quantity
            if change.price.interval != price.interval:
                anchor = start
            price = change.price
        n = period_index_at(anchor, price.interval, start, tz)  # type: ignore[arg-type]
        start, end = boundary(anchor, price.interval, n, tz), boundary(anchor, price.interval, n + 1, tz)  # type: ignore[arg-type]
        discount = s.discount_percent if s.discount_periods > 0 and work.kind == RENEW else 0
        invoice = period_invoice(price, quantity, start, end, inp.credits, discount)
        purpose = CONVERSION if work.kind == TRIAL_END else RENEWAL
        due = due_date(s.send_invoice, s.days_until_due, at, invoice.total)
        charge = None if s.send_invoice else _charge(purpose, charge_key(s.id, start, 1), invoice.total, price, 1, inp)
        if change is not None:
            return Plan(work, at, invoice=invoice, charge=charge, period=(start, end), anchor=anchor,
                        quantity=quantity, plan_id=price.plan_id, due_at=due)
        return Plan(work, at, invoice=invoice, charge=charge, period=(start, end), due_at=due)
    if work.kind == COLLECT:
        open_invoice = inp.open_invoice
        if open_invoice is None or s.send_invoice or (retries_exhausted(s.payment_attempts) and s.status == PAST_DUE):
            # A sent invoice is never charged: its dunning steps are reminders (`settle`).
            return Plan(work, at, collect=open_invoice)
        attempt = s.payment_attempts + 1
        charge = _charge(RETRY, charge_key(s.id, s.current_period_start, attempt), open_invoice.owed, price, attempt, inp)
        return Plan(work, at, collect=open_invoice, charge=charge)
    if work.kind in (PERIOD_END, GRACE_END, DISABLED_END):
        return Plan(work, at)
    raise ValueError(f"unknown work {work.kind!r}")


def next_charge(inp: BillingInput) -> tuple[datetime, int, str] | None:
    """When the next renewal or trial conversion will charge, and how much (credits included);
    None when none will happen (recurring billing off, cancelled, no card for a trial)."""
    s = inp.subscription
    work = due_work(s, inp.price, invoice_open=False)
    if work is None or work.kind not in (RENEW, TRIAL_END) or s.status not in (TRIALING, ACTIVE):
        return None
    plan = plan_due(inp, work)
    if plan.invoice is None:
        return None
    return plan.invoice.period_start, plan.invoice.total, plan.invoice.currency


# -- settling -------------------------------------------------------------------------------


def _next_action(facts: SubscriptionFacts, price: Price, invoice_open: bool) -> datetime | None:
    work = due_work(facts, price, invoice_open)
    return work.due if work else None


def _moved(facts: SubscriptionFacts, event: str, at: datetime) -> tuple[SubscriptionFacts, tuple[str, str, str]]:
    after = next_status(facts.status, event)
    return replace(facts, status=after, status_changed_at=at), (facts.status, after, event)


def settle(plan: Plan, inp: BillingInput, result: ChargeResult | None) -> Outcome:
    """The outcome of `plan` given the gateway's answer to its charge.

    `result` is None when the plan has no charge, or when its charge has no card (it then fails
    with `payment_method_required` without the gateway being asked).
    """
    charge = plan.charge
    if charge is not None and result is None and charge.payment_method_id is None:
        result = ChargeResult(FAILED, PAYMENT_METHOD_REQUIRED)
    if charge is not None and result is None:
        raise ValueError("a plan with a charge needs the gateway's answer")
    # A sent invoice that asks for money stays open: it is paid by transfer, later.
    paid = plan.due_at is None and (charge is None or (result is not None and result.status == SUCCEEDED))
    if plan.work.kind in CHECKOUTS:
        return _settle_checkout(plan, inp, result, paid)
    return _settle_due(plan, inp, result, paid)


def _settle_checkout(plan: Plan, inp: BillingInput, result: ChargeResult | None, paid: bool) -> Outcome:
    if plan.due_at is not None:
        return _applied_checkout(plan, inp, None)
    if not paid:
        assert result is not None
        code = "authentication_required" if result.status == REQUIRES_ACTION else (result.failure_code or "card_declined")
        return Outcome(refused=code, payment=result)
    return _applied_checkout(plan, inp, result)


def _applied_checkout(plan: Plan, inp: BillingInput, result: ChargeResult | None) -> Outcome:
    s, price, at = inp.subscription, inp.price, plan.at
    invoice = plan.invoice
    assert invoice is not None
    kind = plan.work.kind
    # A sent invoice (pay by invoice) is issued open, due at `plan.due_at`; the work is done all
    # the same. Only a period invoice's due date starts dunning.
    sent = plan.due_at is not None
    status, paid_now = ("open", 0) if sent else ("paid", invoice.total)
    issued = ("invoice.issued",) if sent else ("invoice.issued", "invoice.paid")
    if kind == PURCHASE:
        start, end = plan.period  # type: ignore[misc]
        after = SubscriptionFacts(s.id, ACTIVE, plan.quantity or s.quantity, True, at, start, end, None, at, None, 0,
                                  send_invoice=s.send_invoice, days_until_due=s.days_until_due, due_at=plan.due_at)
        fields = _fields(after, price, sent)
        return Outcome(payment=result, invoice_status=status, paid_now=paid_now, fields=fields,
                       status_change=("", ACTIVE, "created"), events=("subscription.created", *issued))
    if kind == REACTIVATION:
        start, end = plan.period  # type: ignore[misc]
        moved, change = _moved(s, Event.REACTIVATED, at)
        after = replace(moved, billing_anchor=at, current_period_start=start, current_period_end=end,
                        recurring_billing=True, canceled_at=None, payment_attempts=0, due_at=plan.due_at)
        fields = {**_fields(after, price, sent), "canceled_at": None, "canceled_by": "", "cancel_reason": "",
                  "cancel_feedback": "", "cancel_assisted": False}
        return Outcome(payment=result, invoice_status=status, paid_now=paid_now, fields=fields,
                       status_change=change, events=(*issued, "subscription.reactivated"))
    if kind == SEATS:
        after = replace(s, quantity=plan.quantity or s.quantity)
        return Outcome(payment=result, invoice_status=status, paid_now=paid_now, fields={"quantity": after.quantity},
                       events=(*issued, "subscription.updated"))
    if kind == PLAN_CHANGE:
        fields = {"quantity": plan.quantity or s.quantity, "plan_id": plan.plan_id, "scheduled_plan_id": None,
                  "scheduled_quantity": None, "scheduled_at": None}
        return Outcome(payment=result, invoice_status=status, paid_now=paid_now, fields=fields,
                       events=(*issued, "subscription.updated"))
    raise ValueError(f"not a checkout: {kind!r}")


def _fields(f: SubscriptionFacts, price: Price, invoice_open: bool) -> dict[str, Any]:
    return {
        "status": f.status, "status_changed_at": f.status_changed_at, "billing_anchor": f.billing_anchor,
        "current_period_start": f.current_period_start, "current_period_end": f.current_period_end,
        "recurring_billing": f.recurring_billing, "quantity": f.quantity, "payment_attempts": f.payment_attempts,
        "next_action_at": _next_action(f, price, invoice_open),
    }


def _settle_due(plan: Plan, inp: BillingInput, result: ChargeResult | None, paid: bool) -> Outcome:
    s, price, at, kind = inp.subscription, inp.price, plan.at, plan.work.kind
    events: list[str] = []
    change = None
    after = s
    invoice_status = ""
    paid_now = 0
    if kind in (TRIAL_END, RENEW) and plan.invoice is None:
        after, change = _moved(s, Event.TRIAL_EXPIRED, at)
    elif kind in (TRIAL_END, RENEW):
        start, end = plan.period  # type: ignore[misc]
        after = replace(s, current_period_start=start, current_period_end=end, payment_attempts=0)
        if any(x.kind == "discount" for x in plan.invoice.lines):  # type: ignore[union-attr]
            after = replace(after, discount_periods=max(s.discount_periods - 1, 0))
        if plan.plan_id is not None:
            after = replace(after, quantity=plan.quantity or s.quantity, billing_anchor=plan.anchor or s.billing_anchor)
            if inp.change is not None:
                price = inp.change.price
        events.append("invoice.issued")
        if plan.due_at is not None:
            # Sent: open until paid by transfer; the subscription goes on until the due date.
            invoice_status = "open"
            after = replace(after, due_at=plan.due_at)
            if kind == TRIAL_END:
                after, change = _moved(after, Event.TRIAL_CONVERTED, at)
            else:
                events.append("subscription.renewed")
        elif paid:
            invoice_status, paid_now = "paid", plan.invoice.total  # type: ignore[union-attr]
            events.append("invoice.paid")
            if kind == TRIAL_END:
                after, change = _moved(after, Event.TRIAL_CONVERTED, at)
            else:
                events.append("subscription.renewed")
        else:
            invoice_status = "open"
            events.append("invoice.payment_failed")
            after = replace(after, payment_attempts=1)
            after, change = _moved(after, Event.TRIAL_CONVERSION_FAILED if kind == TRIAL_END else Event.RENEWAL_FAILED, at)
    elif kind == COLLECT:
        if plan.collect is None:
            pass  # nothing open any more: only the schedule moves
        elif s.send_invoice and plan.collect.owed > 0:
            # A sent invoice past its due date (then each reminder): past due at the first step,
            # expired once the steps of a card's retries are used up.
            invoice_status = "open"
            if retries_exhausted(s.payment_attempts):
                after, change = _moved(s, Event.RETRIES_EXHAUSTED, at)
            else:
                events.append("invoice.overdue")
                after = replace(s, payment_attempts=s.payment_attempts + 1)
                if s.status == ACTIVE:
                    after, change = _moved(after, Event.INVOICE_OVERDUE, at)
                elif retries_exhausted(after.payment_attempts):
                    after, change = _moved(after, Event.RETRIES_EXHAUSTED, at)
        elif plan.charge is None and plan.collect.owed > 0:
            after, change = _moved(s, Event.RETRIES_EXHAUSTED, at)
        elif paid:
            invoice_status, paid_now = "paid", plan.collect.owed
            events.append("invoice.paid")
            after = replace(s, payment_attempts=0)
            if s.status == PAST_DUE:
                after, change = _moved(after, Event.RETRY_SUCCEEDED, at)
            else:
                events.append("subscription.renewed")
        else:
            invoice_status = "open"
            events.append("invoice.payment_failed")
            after = replace(s, payment_attempts=s.payment_attempts + 1)
            if s.status == ACTIVE:
                after, change = _moved(after, Event.RENEWAL_FAILED, at)
            elif retries_exhausted(after.payment_attempts):
                after, change = _moved(after, Event.RETRIES_EXHAUSTED, at)
    elif kind == PERIOD_END:
        after, change = _moved(s, Event.PERIOD_ENDED, at)
    elif kind == GRACE_END:
        after, change = _moved(s, Event.GRACE_ENDED, at)
    elif kind == DISABLED_END:
        after, change = _moved(s, Event.DISABLED_ENDED, at)
    else:
        raise ValueError(f"unknown work {kind!r}")
    if change is not None:
        events.append(STATUS_EVENTS[change[2]])
    invoice_open = invoice_status == "open" and after.status in (ACTIVE, PAST_DUE)
    fields = _fields(after, price, invoice_open)
    if after.discount_periods != s.discount_periods:
        fields["discount_periods_left"] = after.discount_periods
        if after.discount_periods == 0:
            fields["discount_percent"] = 0
    if plan.plan_id is not None and kind == RENEW:
        fields.update(plan_id=plan.plan_id, scheduled_plan_id=None, scheduled_quantity=None, scheduled_at=None)
        if "subscription.updated" not in events:
            events.append("subscription.updated")
    return Outcome(payment=result if plan.charge is not None else None, invoice_status=invoice_status,
                   paid_now=paid_now, fields=fields, status_change=change, events=tuple(events))


# -- storage of plans (with the gateway call) -----------------------------------------------


def _dt(value: datetime | None) -> str | None:
    return None if value is None else _iso(value)


def _from_dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _plan_to_json(p: Plan) -> dict[str, Any]:
    inv = p.invoice
    return {
        "work": [p.work.kind, _dt(p.work.due)], "at": _dt(p.at),
        "invoice": None if inv is None else {
            "kind": inv.kind, "currency": inv.currency, "period": [_dt(inv.period_start), _dt(inv.period_end)],
            "lines": [[x.kind, x.quantity, x.unit_amount, x.amount, _dt(x.period_start), _dt(x.period_end),
                       x.credit_source, x.credit_number] for x in inv.lines],
        },
        "collect": None if p.collect is None else [p.collect.id, p.collect.owed],
        "charge": None if p.charge is None else [p.charge.key, p.charge.purpose, p.charge.amount, p.charge.currency,
                                                 p.charge.attempt, p.charge.payment_method_id],
        "period": None if p.period is None else [_dt(p.period[0]), _dt(p.period[1])],
        "anchor": _dt(p.anchor), "quantity": p.quantity, "plan_id": p.plan_id, "due_at": _dt(p.due_at),
    }


def _plan_from_json(d: dict[str, Any]) -> Plan:
    inv = d["invoice"]
    invoice = None
    if inv is not None:
        lines = tuple(Line(k, q, u, a, _from_dt(ps), _from_dt(pe), src, num)
                      for k, q, u, a, ps, pe, src, num in inv["lines"])
        invoice = InvoicePlan(inv["kind"], inv["currency"], _from_dt(inv["period"][0]), _from_dt(inv["period"][1]), lines)  # type: ignore[arg-type]
    return Plan(
        work=Work(d["work"][0], _from_dt(d["work"][1])),  # type: ignore[arg-type]
        at=_from_dt(d["at"]),  # type: ignore[arg-type]
        invoice=invoice,
        collect=None if d["collect"] is None else OpenInvoice(*d["collect"]),
        charge=None if d["charge"] is None else Charge(*d["charge"]),
        period=None if d["period"] is None else (_from_dt(d["period"][0]), _from_dt(d["period"][1])),  # type: ignore[arg-type]
        anchor=_from_dt(d["anchor"]), quantity=d["quantity"], plan_id=d.get("plan_id"), due_at=_from_dt(d.get("due_at")),
    )


__all__ = [
    "BALANCE", "CHECKOUTS", "CONVERSION", "FAILED", "PLAN_CHANGE", "PURCHASE", "REACTIVATION", "RENEWAL", "REQUIRES_ACTION",
    "RETRY", "SEATS", "SUCCEEDED", "BillingInput", "Change", "Charge", "ChargeResult", "Credit", "InvoicePlan", "Line",
    "OpenInvoice", "Outcome", "Plan", "Price", "SubscriptionFacts", "apply_credits", "charge_key", "due_date", "due_work",
    "next_charge",
    "plan_charge_key", "period_invoice", "plan_due", "remaining_credits",
    "settle",
]
