"""Changing the number of licenses mid-period, SPEC §5: more seats are charged now, prorated;
fewer are credited (a `seat_decrease_proration` credit note settled like R6)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from prorata.billing.domain.checkouts import plan_seat_increase, seat_decrease_credit
from prorata.billing.domain.renewal import (
    BillingInput,
    Plan,
)
from prorata.billing.selectors import paid_for_period
from prorata.billing.services import credit_note_add, credit_notes_settle_now, tenant_credits
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, PaymentFailed
from prorata.core.transitions import ACTIVE, PAST_DUE, TRIALING
from prorata.platform.writer import Changes
from prorata.tenants.selectors import default_payment_method, now_for

from ..models import Subscription
from .checkout import checkout_run, record_checkout_call
from .common import ensure_no_payment_in_progress, snapshot, subscription_lock
from .limits import check_seat_limits
from .outcomes import Work, assigned_counts, facts_of, price_of
from .purchase import valid_quantity


def _locked_for_change(actor: Actor, subscription_id: str, quantity: int) -> tuple[Subscription, int]:
    from prorata.licenses.models import License

    sub = subscription_lock(actor=actor, subscription_id=subscription_id)
    if sub.status not in (TRIALING, ACTIVE, PAST_DUE) or sub.canceled_at is not None:
        raise Conflict("subscription_not_changeable", status=sub.status, details={"status": sub.status})
    ensure_no_payment_in_progress(sub)
    check_seat_limits(sub.plan, quantity)
    assigned = License.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk).count()
    if quantity < assigned:
        raise Conflict(
            "licenses_in_use", assigned=assigned, quantity=quantity,
            details={"assigned_licenses": assigned, "quantity": quantity, "users_to_remove": assigned - quantity},
        )
    if sub.status == PAST_DUE and quantity > sub.quantity:
        raise Conflict("subscription_past_due", details={"status": sub.status})
    return sub, assigned


def subscription_change_quantity(*, actor: Actor, subscription_id: str, quantity: int) -> Subscription:
    """Set the number of licenses purchased.

    An increase on a paid subscription is invoiced at once for the rest of the period
    (round_half_up(added × unit_amount × remaining / total), billing.domain.renewal) and charged;
    a declined charge changes nothing (`card_declined`, `payment_method_required`). A decrease
    credits the unused part of what the period's invoice charged for the removed seats, as a
    credit note. Below the assigned count → `licenses_in_use`. During a trial only the count
    changes.
    """
    quantity = valid_quantity(quantity)
    with transaction.atomic():
        sub, assigned = _locked_for_change(actor, subscription_id, quantity)
        if quantity == sub.quantity:
            return sub
        increase = quantity > sub.quantity and sub.status == ACTIVE
    if increase:
        return _increase(actor=actor, subscription_id=subscription_id, quantity=quantity)
    return _set_or_decrease(actor=actor, subscription_id=subscription_id, quantity=quantity)


def seat_increase_plan(sub: Subscription, quantity: int) -> tuple[Any, Any, BillingInput, Plan]:
    """What buying seats up to `quantity` now would do: the card, the tenant's credits, the
    planner's input and its plan — for the service and its preview alike."""
    method = default_payment_method(sub.tenant)
    if method is None and sub.tenant.collection != "send_invoice":
        raise PaymentFailed("payment_method_required")
    _invoice, _paid, unit = paid_for_period(subscription=sub, period_start=sub.current_period_start)
    credit = tenant_credits([sub.tenant_id], balances={sub.tenant_id: sub.tenant.credit_balance}, notes_due_by=None)[sub.tenant_id]
    inp = BillingInput(subscription=facts_of(sub), price=price_of(sub.plan), timezone=sub.tenant.timezone,
                       payment_method_id=method.pk if method else None, credits=credit.credits())
    planned = plan_seat_increase(inp, quantity=quantity, at=now_for(sub.tenant), unit_amount=unit or int(sub.plan.unit_amount))
    return method, credit, inp, planned


def seat_decrease_amount(sub: Subscription, quantity: int, at: Any) -> tuple[Any, int]:
    """The period's invoice and the credit a decrease to `quantity` at `at` gives (0 when the
    period is not paid up) — for the service and its preview alike."""
    invoice, _paid, unit = paid_for_period(subscription=sub, period_start=sub.current_period_start)
    paid_up = sub.status == ACTIVE and invoice is not None and invoice.status == "paid"
    if quantity >= sub.quantity or not paid_up:
        return invoice, 0
    return invoice, seat_decrease_credit(facts_of(sub), price_of(sub.plan), sub.tenant.timezone, quantity=quantity,
                                         at=at, unit_amount=unit)


def _increase(*, actor: Actor, subscription_id: str, quantity: int) -> Subscription:
    def prepare(changes: Changes) -> tuple[Work, dict[str, Any] | None]:
        sub, assigned = _locked_for_change(actor, subscription_id, quantity)
        if quantity <= sub.quantity or sub.status != ACTIVE:
            raise Conflict("subscription_not_changeable", status=sub.status, details={"status": sub.status})
        method, credit, inp, planned = seat_increase_plan(sub, quantity)
        credit.spend(changes, planned.invoice)  # type: ignore[arg-type]
        work = Work(sub, inp, planned, assigned=assigned,
                    details={"subscription.updated": {"quantity_before": sub.quantity, "quantity_after": quantity}})
        if planned.charge is None:
            return work, None
        return work, record_checkout_call(changes, work, token=method.gateway_token, actor=actor)  # type: ignore[union-attr]

    return checkout_run(prepare, actor=actor).subscription


def _set_or_decrease(*, actor: Actor, subscription_id: str, quantity: int) -> Subscription:
    """A trial's new count, a past-due subscription's decrease, or a paid decrease with its credit."""
    note = None
    with transaction.atomic():
        sub, assigned = _locked_for_change(actor, subscription_id, quantity)
        at = now_for(sub.tenant)
        before = snapshot(sub, assigned)
        old = sub.quantity
        changes = Changes()
        invoice, credit = seat_decrease_amount(sub, quantity, at)
        if credit > 0:
            note = credit_note_add(
                changes, actor=actor, tenant_id=sub.tenant_id, subscription_id=sub.pk, invoice_id=invoice.pk,  # type: ignore[union-attr]
                currency=invoice.currency, amount=credit, reason="seat_decrease_proration",  # type: ignore[union-attr]
                mode=sub.plan.credit_settlement, at=at, settles_on=sub.current_period_end,
            )
        sub.quantity = quantity
        changes.update(Subscription, sub.pk, quantity=quantity)
        changes.audit(actor=actor, tenant_id=sub.tenant_id, action="subscription.updated", object_type="subscription",
                      object_id=sub.pk, at=at, before=before, after=snapshot(sub, assigned),
                      details={"quantity_before": old, "quantity_after": quantity,
                               "credit_note": note["id"] if note else None})
        changes.flush()
    if note is not None and note["settles_on"] == note["created_at"]:
        credit_notes_settle_now([note["id"]], actor=actor)
    return sub


__all__ = ["assigned_counts", "subscription_change_quantity"]
