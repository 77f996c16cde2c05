"""Buying a subscription: a trial, or a paid first period invoiced and charged at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.billing.domain.checkouts import plan_purchase
from prorata.billing.domain.renewal import BillingInput
from prorata.billing.services import tenant_credits
from prorata.catalog.models import Plan
from prorata.core.actor import Actor
from prorata.core.errors import InvalidInput, NotFound, PaymentFailed
from prorata.core.ids import new_id
from prorata.core.transitions import TRIALING
from prorata.platform.writer import Changes
from prorata.tenants.models import Tenant
from prorata.tenants.selectors import default_payment_method, now_for, tenant_get

from ..models import StatusChange, Subscription
from ..schemas import subscription_out
from .checkout import checkout_run, record_checkout_call
from .limits import check_seat_limits
from .outcomes import Work, facts_of, price_of

MAX_QUANTITY = 1_000_000


def valid_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput("invalid_quantity", field="quantity", value=quantity, details={"min": 1, "max": MAX_QUANTITY})
    return quantity


def _plan_for(actor: Actor, tenant: Tenant, plan_id: str) -> Plan:
    plan = Plan.objects.select_related("product").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("not_found", object="plan", id=plan_id)
    if not plan.is_active:
        raise InvalidInput("plan_not_available", details={"plan": plan.pk})
    if plan.currency != tenant.currency:
        raise InvalidInput(
            "currency_mismatch", details={"plan_currency": plan.currency, "tenant_currency": tenant.currency},
            plan_currency=plan.currency, tenant_currency=tenant.currency,
        )
    return plan


def subscription_purchase(*, actor: Actor, tenant_id: str, plan_id: str, quantity: int, trial: bool = False) -> Subscription:
    """Buy `quantity` licenses of a plan for a tenant.

    A trial starts at once for the plan's `trial_days` and charges nothing. Otherwise the first
    period [now, now + interval) is invoiced (quantity × unit_amount, less the tenant's credit
    balance) and charged to the default payment method (a tenant paying by invoice is sent the
    invoice instead, due in its `days_until_due`, and needs no card): no payment method →
    `payment_method_required`, a declined charge → `card_declined`, and in both cases no
    subscription, invoice or credit is kept (the declined attempt stays on record as a payment).
    """
    quantity = valid_quantity(quantity)
    tenant = tenant_get(actor=actor, tenant_id=tenant_id)
    if trial:
        return _start_trial(actor=actor, tenant=tenant, plan_id=plan_id, quantity=quantity)

    def prepare(changes: Changes) -> tuple[Work, dict[str, Any] | None]:
        locked = Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)
        plan = _plan_for(actor, locked, plan_id)
        check_seat_limits(plan, quantity)
        method = default_payment_method(locked)
        send_invoice = locked.collection == "send_invoice"
        if method is None and not send_invoice:
            raise PaymentFailed("payment_method_required")
        now = now_for(locked)
        credit = tenant_credits([locked.pk], balances={locked.pk: locked.credit_balance}, notes_due_by=None)[locked.pk]
        sub_id = new_id("sub")
        planned = plan_purchase(subscription_id=sub_id, quantity=quantity, price=price_of(plan), timezone=locked.timezone,
                                at=now, payment_method_id=method.pk if method else None, credits=credit.credits(),
                                send_invoice=send_invoice, days_until_due=locked.days_until_due)
        credit.spend(changes, planned.invoice)  # type: ignore[arg-type]
        start, end = planned.period  # type: ignore[misc]
        sub = Subscription(id=sub_id, tenant=locked, plan=plan, quantity=quantity, recurring_billing=True, status="active",
                           billing_anchor=now, current_period_start=start, current_period_end=end, status_changed_at=now,
                           created_at=now, payment_attempts=0)
        inp = BillingInput(subscription=facts_of(sub), price=price_of(plan), timezone=locked.timezone,
                           payment_method_id=method.pk if method else None)
        work = Work(sub, inp, planned, new=True, details={"subscription.created": {"plan": plan.pk, "trial": False}})
        if planned.charge is None:
            return work, None
        return work, record_checkout_call(changes, work, token=method.gateway_token,  # type: ignore[union-attr]
                                          actor=actor, intent={"plan": plan.pk})

    return checkout_run(prepare, actor=actor).subscription


def _start_trial(*, actor: Actor, tenant: Tenant, plan_id: str, quantity: int) -> Subscription:
    with transaction.atomic():
        plan = _plan_for(actor, tenant, plan_id)
        check_seat_limits(plan, quantity)
        if plan.trial_days <= 0:
            raise InvalidInput("trial_not_available", details={"plan": plan.pk})
        now = now_for(tenant)
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
        audit_record(
            actor=actor, action="subscription.created", object_type="subscription", object_id=sub.pk,
            tenant_id=tenant.pk, at=now, after=subscription_out(sub, assigned=0), details={"plan": plan.pk, "trial": True},
        )
    return sub
