"""Changing a subscription's plan (SPEC §3 "Plan"; issue: change plans without losing licenses).

The subscription stays the same row, so its license assignments stay as they are. Two ways:

- `now` (an upgrade on the same interval): one invoice of kind `change`, planned by
  `billing.domain.checkouts.plan_change_now` — the unused part of the current plan credited, the
  rest of the period on the new plan charged — recorded, charged and written like a seat
  increase (checkout_run). A refused card changes nothing.
- `period_end` (a downgrade, a new interval): the change is stored on the subscription and
  shown; the renewal at the boundary (the billing pass, the same planner) invoices the new plan
  and moves the subscription to it. Cancellable until then.

From the change on, the subscription's plan is the new one: the cancel decision, the cancel
window and every credit follow its policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from prorata.billing.domain.checkouts import plan_change_amounts, plan_change_now
from prorata.billing.domain.renewal import (
    BillingInput,
    Change,
    InvoicePlan,
    next_charge,
)
from prorata.billing.selectors import paid_for_period
from prorata.billing.services import tenant_credits
from prorata.catalog.models import Plan as CatalogPlan
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, InvalidInput, NotFound, PaymentFailed
from prorata.core.transitions import ACTIVE, TRIALING
from prorata.platform.writer import Changes
from prorata.tenants.selectors import default_payment_method, now_for

from ..domain.plan_change import NOW, PERIOD_END, change_refusal, is_upgrade
from ..models import Subscription
from .checkout import checkout_run, record_checkout_call
from .common import ensure_no_payment_in_progress, snapshot, subscription_lock
from .limits import check_seat_limits, plan_facts, raise_refusal
from .outcomes import Work, facts_of, price_of
from .purchase import valid_quantity


@dataclass
class PlanChangePreview:
    """What a change would do: when, on which plan, how many seats, and the money."""

    subscription: Subscription
    plan: CatalogPlan
    quantity: int
    at: str
    effective_at: datetime
    amount: int
    currency: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    # For `period_end`: the first invoice on the new plan (the renewal at the boundary).
    next_invoice_amount: int | None = None


def _lines(invoice: InvoicePlan | None) -> list[dict[str, Any]]:
    if invoice is None:
        return []
    return [{"kind": x.kind, "quantity": x.quantity, "unit_amount": x.unit_amount, "amount": x.amount} for x in invoice.lines]


def _new_plan(plan_id: str) -> CatalogPlan:
    plan = CatalogPlan.objects.select_related("product").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("not_found", object="plan", id=plan_id)
    return plan


def _checked(actor: Actor, subscription_id: str, plan_id: str, quantity: int | None, at: str
             ) -> tuple[Subscription, CatalogPlan, int, int]:
    """The locked subscription, the new plan, the seats and the licenses assigned, or a refusal."""
    from prorata.licenses.models import License

    if at not in (NOW, PERIOD_END):
        raise InvalidInput("invalid_change_at", at=at, details={"at": at, "allowed": [NOW, PERIOD_END]})
    sub = subscription_lock(actor=actor, subscription_id=subscription_id)
    new = _new_plan(plan_id)
    if sub.status not in (TRIALING, ACTIVE) or sub.canceled_at is not None:
        raise Conflict("subscription_not_changeable", status=sub.status, details={"status": sub.status})
    ensure_no_payment_in_progress(sub)
    qty = sub.quantity if quantity is None else valid_quantity(quantity)
    assigned = License.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk).count()
    refusal = change_refusal(plan_facts(sub.plan), plan_facts(new), quantity=qty, current_quantity=sub.quantity,
                             assigned=assigned, when=at)
    if refusal is not None:
        raise_refusal(refusal)
    if at == PERIOD_END and sub.status == ACTIVE and not sub.recurring_billing:
        raise Conflict("recurring_billing_off", details={"period_end": sub.current_period_end.isoformat()})
    return sub, new, qty, assigned


def _now_input(sub: Subscription, new: CatalogPlan, qty: int, method_id: str | None
               ) -> tuple[BillingInput, int, Any]:
    _invoice, _paid, unit = paid_for_period(subscription=sub, period_start=sub.current_period_start)
    credit = tenant_credits([sub.tenant_id], balances={sub.tenant_id: sub.tenant.credit_balance}, notes_due_by=None)[sub.tenant_id]
    inp = BillingInput(subscription=facts_of(sub), price=price_of(sub.plan), timezone=sub.tenant.timezone,
                       payment_method_id=method_id, credits=credit.credits())
    return inp, unit or int(sub.plan.unit_amount), credit


def _ensure_upgrade(sub: Subscription, new: CatalogPlan, qty: int, inp: BillingInput, unit: int, at: datetime) -> None:
    credit, charge = plan_change_amounts(inp, new_price=price_of(new), quantity=qty, at=at, paid_unit_amount=unit)
    if not is_upgrade(plan_facts(sub.plan), plan_facts(new), quantity=qty, current_quantity=sub.quantity) or charge < credit:
        raise Conflict("plan_change_at_period_end", details={"reason": "downgrade", "credit": credit, "charge": charge})


def subscription_plan_change_preview(*, actor: Actor, subscription_id: str, plan_id: str, quantity: int | None = None,
                                     at: str = NOW) -> PlanChangePreview:
    """What `subscription_change_plan` would do, changing nothing (the confirm step shows it)."""
    with transaction.atomic():
        sub, new, qty, _assigned = _checked(actor, subscription_id, plan_id, quantity, at)
        now = now_for(sub.tenant)
        method = default_payment_method(sub.tenant)
        if sub.status == TRIALING:
            return PlanChangePreview(sub, new, qty, at, now, 0, new.currency)
        if at == NOW:
            inp, unit, _credit = _now_input(sub, new, qty, method.pk if method else None)
            _ensure_upgrade(sub, new, qty, inp, unit, now)
            planned = plan_change_now(inp, new_price=price_of(new), quantity=qty, at=now, paid_unit_amount=unit)
            invoice = planned.invoice
            assert invoice is not None
            return PlanChangePreview(sub, new, qty, at, now, invoice.total, invoice.currency, _lines(invoice))
        inp = BillingInput(subscription=facts_of(sub), price=price_of(sub.plan), timezone=sub.tenant.timezone,
                           payment_method_id=method.pk if method else "preview", change=Change(price_of(new), qty))
        planned_next = next_charge(inp)
        amount = planned_next[1] if planned_next else 0
        return PlanChangePreview(sub, new, qty, at, sub.current_period_end, 0, new.currency,
                                 next_invoice_amount=amount)


def subscription_change_plan(*, actor: Actor, subscription_id: str, plan_id: str, quantity: int | None = None,
                             at: str = NOW) -> Subscription:
    """Move the subscription to another plan, now (an upgrade, charged at once) or at the end of
    the current period (scheduled). Licenses stay assigned. Refusals change nothing."""
    with transaction.atomic():
        sub, new, qty, assigned = _checked(actor, subscription_id, plan_id, quantity, at)
        trial = sub.status == TRIALING
    if trial:
        return _swap_trial(actor=actor, subscription_id=subscription_id, plan_id=plan_id, quantity=qty)
    if at == PERIOD_END:
        return _schedule(actor=actor, subscription_id=subscription_id, plan_id=plan_id, quantity=qty)
    return _change_now(actor=actor, subscription_id=subscription_id, plan_id=plan_id, quantity=qty)


def _change_now(*, actor: Actor, subscription_id: str, plan_id: str, quantity: int) -> Subscription:
    def prepare(changes: Changes) -> tuple[Work, dict[str, Any] | None]:
        sub, new, qty, assigned = _checked(actor, subscription_id, plan_id, quantity, NOW)
        if sub.status != ACTIVE:
            raise Conflict("subscription_not_changeable", status=sub.status, details={"status": sub.status})
        at = now_for(sub.tenant)
        method = default_payment_method(sub.tenant)
        inp, unit, credit = _now_input(sub, new, qty, method.pk if method else None)
        _ensure_upgrade(sub, new, qty, inp, unit, at)
        planned = plan_change_now(inp, new_price=price_of(new), quantity=qty, at=at, paid_unit_amount=unit)
        if planned.charge is not None and method is None:
            raise PaymentFailed("payment_method_required")
        credit.spend(changes, planned.invoice)  # type: ignore[arg-type]
        work = Work(sub, inp, planned, assigned=assigned, new_plan=new,
                    details={"subscription.updated": {"plan_before": sub.plan_id, "plan_after": new.pk,
                                                      "quantity_before": sub.quantity, "quantity_after": qty}})
        if planned.charge is None:
            return work, None
        return work, record_checkout_call(changes, work, token=method.gateway_token, actor=actor)  # type: ignore[union-attr]

    return checkout_run(prepare, actor=actor).subscription


def _write(actor: Actor, sub: Subscription, assigned: int, at: datetime, details: dict[str, Any],
           related: dict[str, Any] | None = None, **fields: Any) -> None:
    before = snapshot(sub, assigned)
    changes = Changes()
    for name, value in fields.items():
        setattr(sub, name, value)
    for name, value in (related or {}).items():
        setattr(sub, name, value)
    changes.update(Subscription, sub.pk, **fields)
    changes.audit(actor=actor, tenant_id=sub.tenant_id, action="subscription.updated", object_type="subscription",
                  object_id=sub.pk, at=at, before=before, after=snapshot(sub, assigned), details=details)
    changes.flush()


def _schedule(*, actor: Actor, subscription_id: str, plan_id: str, quantity: int) -> Subscription:
    with transaction.atomic():
        sub, new, qty, assigned = _checked(actor, subscription_id, plan_id, quantity, PERIOD_END)
        at = now_for(sub.tenant)
        _write(actor, sub, assigned, at, {"scheduled_plan": new.pk, "scheduled_quantity": qty,
                                          "effective_at": sub.current_period_end.isoformat()},
               related={"scheduled_plan": new}, scheduled_plan_id=new.pk, scheduled_quantity=qty, scheduled_at=at)
    return sub


def _swap_trial(*, actor: Actor, subscription_id: str, plan_id: str, quantity: int) -> Subscription:
    """A trial moves to the new plan at once: nothing was charged, so nothing is prorated."""
    with transaction.atomic():
        sub, new, qty, assigned = _checked(actor, subscription_id, plan_id, quantity, NOW)
        at = now_for(sub.tenant)
        _write(actor, sub, assigned, at, {"plan_before": sub.plan_id, "plan_after": new.pk},
               related={"plan": new}, plan_id=new.pk, quantity=qty, scheduled_plan_id=None, scheduled_quantity=None, scheduled_at=None)
    return sub


def subscription_cancel_plan_change(*, actor: Actor, subscription_id: str) -> Subscription:
    """Withdraw a plan change scheduled for the period's end (nothing was charged for it)."""
    from prorata.licenses.models import License

    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        if sub.scheduled_plan_id is None:
            raise Conflict("no_scheduled_change", details={"subscription": sub.pk})
        ensure_no_payment_in_progress(sub)
        assigned = License.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk).count()
        at = now_for(sub.tenant)
        _write(actor, sub, assigned, at, {"scheduled_plan_withdrawn": sub.scheduled_plan_id},
               scheduled_plan_id=None, scheduled_quantity=None, scheduled_at=None)
    return sub


__all__ = ["PlanChangePreview", "check_seat_limits", "subscription_cancel_plan_change", "subscription_change_plan",
           "subscription_plan_change_preview"]
