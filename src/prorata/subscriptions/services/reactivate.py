"""Reactivating an expired or disabled subscription: a new period starting now, charged now."""

from __future__ import annotations

from typing import Any

from prorata.billing.domain.checkouts import plan_reactivation
from prorata.billing.domain.renewal import BillingInput, Plan
from prorata.billing.models import Invoice
from prorata.billing.services import tenant_credits
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, PaymentFailed
from prorata.core.periods import period
from prorata.core.transitions import DISABLED, EXPIRED
from prorata.platform.writer import Changes
from prorata.tenants.selectors import default_payment_method, now_for

from ..models import Subscription
from .checkout import checkout_run, record_checkout_call
from .common import ensure_no_payment_in_progress, subscription_lock
from .outcomes import Work, assigned_counts, facts_of, price_of


def reactivation_plan(sub: Subscription) -> tuple[Any, Any, BillingInput, Plan]:
    """What reactivating the (read or locked) subscription now would do: the card, the tenant's
    credits, the planner's input and its plan. The service and its preview both use this, so a
    preview shows exactly what the charge will be; it raises the service's refusals."""
    if sub.status not in (EXPIRED, DISABLED):
        raise Conflict("cannot_reactivate", status=sub.status, details={"status": sub.status})
    ensure_no_payment_in_progress(sub)
    method = default_payment_method(sub.tenant)
    if method is None and sub.tenant.collection != "send_invoice":
        raise PaymentFailed("payment_method_required")
    at = now_for(sub.tenant)
    start, _end = period(at, sub.plan.interval, 0, sub.tenant.timezone)  # type: ignore[arg-type]
    if Invoice.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk, kind="period", period_start=start).exists():
        # A period of this subscription already started at this very instant (its credit may
        # be given back already); one period invoice per (subscription, period start), ever.
        raise Conflict("reactivate_later", status=sub.status, details={"status": sub.status, "period_start": start.isoformat()})
    credit = tenant_credits([sub.tenant_id], balances={sub.tenant_id: sub.tenant.credit_balance}, notes_due_by=None)[sub.tenant_id]
    inp = BillingInput(subscription=facts_of(sub), price=price_of(sub.plan), timezone=sub.tenant.timezone,
                       payment_method_id=method.pk if method else None, credits=credit.credits())
    return method, credit, inp, plan_reactivation(inp, at)


def subscription_reactivate(*, actor: Actor, subscription_id: str) -> Subscription:
    """Bring an expired or disabled subscription back: a new period from now, invoiced and charged.

    The billing anchor moves to now, so later periods renew on this day. Recurring billing is
    turned on and any cancellation facts are cleared. A declined charge or no payment method
    changes nothing (`card_declined`, `payment_method_required`); other statuses →
    `cannot_reactivate`.
    """

    def prepare(changes: Changes) -> tuple[Work, dict[str, Any] | None]:
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        method, credit, inp, planned = reactivation_plan(sub)
        credit.spend(changes, planned.invoice)  # type: ignore[arg-type]
        work = Work(sub, inp, planned, assigned=assigned_counts([sub.pk]).get(sub.pk, 0))
        if planned.charge is None:
            return work, None
        return work, record_checkout_call(changes, work, token=method.gateway_token, actor=actor)  # type: ignore[union-attr]

    return checkout_run(prepare, actor=actor).subscription
