"""Buying a subscription: a trial, or a paid first period invoiced and charged at once."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.catalog.models import Plan
from prorata.core.actor import Actor
from prorata.core.errors import InvalidInput, NotFound, PaymentFailed
from prorata.core.periods import period
from prorata.core.transitions import ACTIVE, TRIALING
from prorata.tenants.selectors import default_payment_method, now_for, tenant_get

from ..models import StatusChange, Subscription
from .common import snapshot

MAX_QUANTITY = 1_000_000


def _valid_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput("invalid_quantity", field="quantity", value=quantity, details={"min": 1, "max": MAX_QUANTITY})
    return quantity


def subscription_purchase(*, actor: Actor, tenant_id: str, plan_id: str, quantity: int, trial: bool = False) -> Subscription:
    """Buy `quantity` licenses of a plan for a tenant.

    A trial starts at once for the plan's `trial_days` and charges nothing. Otherwise the first
    period [now, now + interval) is invoiced (quantity x unit_amount, less the tenant's credit
    balance) and charged to the default payment method in the same transaction: no payment
    method -> `payment_method_required`, a declined charge -> `card_declined`, and in both cases
    nothing at all is kept.
    """
    quantity = _valid_quantity(quantity)
    with transaction.atomic():
        tenant = tenant_get(actor=actor, tenant_id=tenant_id)
        plan = Plan.objects.select_related("product").filter(pk=plan_id).first()
        if plan is None:
            raise NotFound("not_found", object="plan", id=plan_id)
        if not plan.is_active:
            raise InvalidInput("plan_not_available", details={"plan": plan.pk})
        if plan.currency != tenant.currency:
            raise InvalidInput(
                "currency_mismatch",
                details={"plan_currency": plan.currency, "tenant_currency": tenant.currency},
                plan_currency=plan.currency,
                tenant_currency=tenant.currency,
            )
        now = now_for(tenant)
        if trial:
            sub = _start_trial(tenant=tenant, plan=plan, quantity=quantity, now=now, actor=actor)
        else:
            sub = _start_paid(tenant=tenant, plan=plan, quantity=quantity, now=now, actor=actor)
        audit_record(
            actor=actor, action="subscription.created", object_type="subscription", object_id=sub.pk,
            tenant_id=tenant.pk, at=now, before=None,
            after={**snapshot(sub), "plan": plan.pk, "trial": trial},
        )
    return sub


def _start_trial(*, tenant, plan: Plan, quantity: int, now, actor: Actor) -> Subscription:
    if plan.trial_days <= 0:
        raise InvalidInput("trial_not_available", details={"plan": plan.pk})
    trial_end = now + timedelta(days=plan.trial_days)
    sub = Subscription.objects.create(
        tenant=tenant, plan=plan, quantity=quantity, recurring_billing=True, status=TRIALING,
        # Paid periods, if the trial converts, are computed from the trial's end.
        billing_anchor=trial_end,
        current_period_start=now, current_period_end=trial_end, trial_end=trial_end,
        status_changed_at=now, next_action_at=trial_end, created_at=now,
    )
    StatusChange.objects.create(
        tenant=tenant, subscription=sub, from_status="", to_status=TRIALING, event="created", at=now, actor=actor.ref
    )
    _schedule(sub)
    return sub


def _start_paid(*, tenant, plan: Plan, quantity: int, now, actor: Actor) -> Subscription:
    from prorata.billing.services import invoice_collect, invoice_issue_period

    if default_payment_method(tenant) is None:
        raise PaymentFailed("payment_method_required")
    start, end = period(now, plan.interval, 0, tenant.timezone)  # type: ignore[arg-type]
    sub = Subscription.objects.create(
        tenant=tenant, plan=plan, quantity=quantity, recurring_billing=True, status=ACTIVE,
        billing_anchor=now, current_period_start=start, current_period_end=end,
        status_changed_at=now, next_action_at=end, created_at=now,
    )
    StatusChange.objects.create(
        tenant=tenant, subscription=sub, from_status="", to_status=ACTIVE, event="created", at=now, actor=actor.ref
    )
    invoice = invoice_issue_period(actor=actor, subscription=sub, period_start=start, period_end=end, at=now)
    payment = invoice_collect(actor=actor, invoice=invoice, at=now)
    if payment is not None and payment.status != "succeeded":
        # Raising rolls back the subscription, its invoice and the failed attempt alike.
        raise PaymentFailed(payment.failure_code or "card_declined", details={"plan": plan.pk})
    _schedule(sub)
    return sub


def _schedule(sub: Subscription) -> None:
    from prorata.billing.services import next_action_at_for

    sub.next_action_at = next_action_at_for(sub)
    sub.save(update_fields=["next_action_at"])
