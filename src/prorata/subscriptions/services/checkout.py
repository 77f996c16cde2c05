"""Checkouts: money moved while the customer waits — a purchase, a seat increase, a reactivation.

The same three steps as every charge (billing.services.charges): the request's transaction
validates, plans (billing.domain.renewal), takes the tenant's credit and records the call;
after its commit the processor is asked; then `checkout_complete` writes the outcome in a new
transaction: the subscription, its invoice and payment — or, for a refused card, only the
failed payment on record and the credit given back, so nothing else was created or changed.
A checkout whose process died half-way is finished the same way by reconciliation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import OperationalError, transaction

from prorata.billing.domain.renewal import (
    PURCHASE,
    BillingInput,
    ChargeResult,
    Outcome,
    Plan,
    settle,
)
from prorata.billing.services import (
    actor_from_json,
    call_record,
    calls_make,
    calls_take,
    credit_give_back,
    payment_record,
)
from prorata.catalog.models import Plan as CatalogPlan
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, PaymentFailed
from prorata.payments.gateway import outside_transaction
from prorata.platform.locks import is_lock_conflict, retry_on_lock_conflict
from prorata.platform.writer import Changes
from prorata.tenants.models import Tenant

from ..models import Subscription
from .outcomes import Work, apply_outcome, assigned_counts, facts_of, price_of


@dataclass
class Completed:
    subscription: Subscription
    outcome: Outcome


def actor_json(actor: Actor) -> list[str]:
    return [actor.kind, actor.id, actor.label]


def record_checkout_call(changes: Changes, work: Work, *, token: str, actor: Actor,
                         intent: dict[str, Any] | None = None) -> dict[str, Any]:
    """The gateway call of a checkout: its plan, what was asked, who asked."""
    charge = work.plan.charge
    assert charge is not None
    return call_record(
        changes, kind="charge", purpose=charge.purpose, key=charge.key, tenant_id=work.sub.tenant_id,
        amount=charge.amount, currency=charge.currency, token=token, payment_method_id=charge.payment_method_id,
        subscription_id=work.sub.pk, at=work.plan.at,
        plan={"plan": work.plan.to_json(), "actor": actor_json(actor), "intent": intent or {}, "details": work.details},
    )


def checkout_run(prepare: Callable[[Changes], tuple[Work, dict[str, Any] | None]], *, actor: Actor) -> Completed:
    """Run a checkout: `prepare` (inside the first transaction) validates and plans, and returns
    the work and its recorded call (None when nothing needs charging). Raises PaymentFailed with
    the processor's code when the card is refused; nothing is changed then."""
    outside_transaction()
    with transaction.atomic():
        changes = Changes()
        work, call = prepare(changes)
        outcome = None
        if call is None:
            outcome = settle(work.plan, work.inp, None)
            apply_outcome(changes, work, outcome, actor=actor)
        changes.flush()
    if outcome is not None:
        return Completed(work.sub, outcome)
    assert call is not None
    result = calls_make([call]).get(call["key"])
    if result is None:
        # The processor did not answer: whether it charged is unknown until reconciliation asks.
        raise PaymentFailed("payment_not_confirmed")
    try:
        # Idempotent (the call is taken once), so run again if another transaction got in its way;
        # a second run reads everything again, as reconciliation does (the first may have changed
        # the objects it was given before its transaction was rolled back).
        runs: list[Work | None] = [work]
        done = retry_on_lock_conflict(lambda: checkout_complete(call, result, prepared=runs.pop() if runs else None))
    except OperationalError as exc:
        if not is_lock_conflict(exc):
            raise
        # Charged but not written: reconciliation writes the outcome of the recorded call.
        raise PaymentFailed("payment_not_confirmed") from exc
    if done is None:
        raise Conflict("payment_in_progress")
    if done.outcome.refused:
        raise PaymentFailed(done.outcome.refused, details={"amount": call["amount"], "currency": call["currency"]})
    return done


def _new_subscription(call: dict[str, Any], plan: Plan) -> Subscription:
    intent = call["plan"]["intent"]
    tenant = Tenant.objects.get(pk=call["tenant_id"])
    catalog_plan = CatalogPlan.objects.select_related("product").get(pk=intent["plan"])
    start, end = plan.period  # type: ignore[misc]
    return Subscription(
        id=call["subscription_id"], tenant=tenant, plan=catalog_plan, quantity=plan.quantity, recurring_billing=True,
        status="active", billing_anchor=plan.anchor, current_period_start=start, current_period_end=end,
        trial_end=None, status_changed_at=plan.at, canceled_at=None, canceled_by="", cancel_reason="",
        cancel_feedback="", cancel_assisted=False, next_action_at=None, payment_attempts=0, created_at=plan.at,
    )


def checkout_complete(call: dict[str, Any], result: ChargeResult, prepared: Work | None = None) -> Completed | None:
    """Write the outcome of a checkout's answered call; None when the call was no longer ours.

    `prepared`: the work as the request planned it (its subscription, tenant and plan as read
    then); reconciliation, in another process, reads them again."""
    data = call["plan"]
    plan = Plan.from_json(data["plan"])
    actor = actor_from_json(data["actor"])
    with transaction.atomic():
        if call["key"] not in calls_take([call["key"]]):
            return None
        new = plan.work.kind == PURCHASE
        if prepared is not None:
            sub, assigned = prepared.sub, prepared.assigned
        elif new:
            sub = _new_subscription(call, plan)
            assigned = 0
        else:
            sub = (Subscription.objects.select_for_update(no_key=True, of=("self",)).select_related("tenant", "plan__product")
                   .get(pk=call["subscription_id"]))
            assigned = assigned_counts([sub.pk]).get(sub.pk, 0)
        inp = BillingInput(subscription=facts_of(sub), price=price_of(sub.plan), timezone=sub.tenant.timezone,
                           payment_method_id=call["payment_method_id"] or None)
        new_plan = prepared.new_plan if prepared is not None else None
        outcome = settle(plan, inp, result)
        changes = Changes()
        if outcome.refused:
            if plan.invoice is not None:
                credit_give_back(sub.tenant_id, plan.invoice)
            payment_record(changes, tenant_id=sub.tenant_id, invoice_id=None, charge=plan.charge,  # type: ignore[arg-type]
                           result=result, at=plan.at)
        else:
            work = Work(sub, inp, plan, result, assigned=assigned, details=data.get("details") or {}, new=new,
                        new_plan=new_plan)
            apply_outcome(changes, work, outcome, actor=actor)
        changes.flush()
    return Completed(sub, outcome)
