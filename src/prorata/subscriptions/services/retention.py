"""Retention offers: what a plan's policy offers a customer about to cancel, and the answer.

Shown in the allowed cancel flow before the confirm, at most once per subscription per year
(checked under the subscription's row lock). Accepting a discount sets it on the subscription:
the billing planner takes `percent` off each of the next `periods` renewal invoices, on its
own `discount` line (billing.domain.renewal). Accepting a move schedules a change to the
cheaper plan at the period's end (services.plan_change). Declining lets the cancel go on.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from prorata.core.actor import Actor
from prorata.core.errors import Conflict
from prorata.core.transitions import ACTIVE
from prorata.platform.writer import Changes
from prorata.tenants.selectors import now_for

from ..models import RetentionOffer, Subscription
from .common import ensure_no_payment_in_progress, snapshot, subscription_lock

ONCE_PER = timedelta(days=365)


def _offerable(sub: Subscription) -> bool:
    plan = sub.plan
    if sub.status != ACTIVE or sub.canceled_at is not None or not sub.recurring_billing:
        return False
    if plan.retention_offer == RetentionOffer.Kind.DISCOUNT:
        return 0 < plan.retention_percent <= 100 and plan.retention_periods > 0
    if plan.retention_offer == RetentionOffer.Kind.MOVE:
        return plan.retention_plan_id is not None and plan.retention_plan_id != plan.pk
    return False


def retention_offer_show(*, actor: Actor, subscription_id: str) -> RetentionOffer | None:
    """The offer to show now (recorded as shown), or None: the plan names none, or one was
    already shown to this subscription in the last year (an unanswered one is shown again)."""
    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        if not _offerable(sub):
            return None
        now = now_for(sub.tenant)
        recent = (RetentionOffer.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk, shown_at__gt=now - ONCE_PER)
                  .order_by("-shown_at").first())
        if recent is not None:
            return recent if recent.outcome == RetentionOffer.Outcome.SHOWN else None
        plan = sub.plan
        offer = RetentionOffer(tenant_id=sub.tenant_id, subscription=sub, plan=plan, kind=plan.retention_offer,
                               percent=plan.retention_percent if plan.retention_offer == "discount" else 0,
                               periods=plan.retention_periods if plan.retention_offer == "discount" else 0,
                               move_plan_id=plan.retention_plan_id if plan.retention_offer == "move" else None,
                               shown_at=now)
        changes = Changes()
        changes.insert(RetentionOffer, {f.attname: getattr(offer, f.attname) for f in RetentionOffer._meta.concrete_fields})
        changes.audit(actor=actor, tenant_id=sub.tenant_id, action="retention_offer.shown", object_type="retention_offer",
                      object_id=offer.pk, at=now, after={"subscription": sub.pk, "kind": offer.kind,
                                                          "percent": offer.percent, "periods": offer.periods,
                                                          "move_plan": offer.move_plan_id})
        changes.flush()
    return offer


def _open_offer(sub: Subscription, offer_id: str) -> RetentionOffer:
    offer = RetentionOffer.objects.filter(pk=offer_id, tenant_id=sub.tenant_id, subscription_id=sub.pk).first()
    if offer is None:
        raise Conflict("no_retention_offer", details={"offer": offer_id})
    if offer.outcome != RetentionOffer.Outcome.SHOWN:
        raise Conflict("retention_offer_decided", details={"offer": offer.pk, "outcome": offer.outcome})
    return offer


def retention_offer_accept(*, actor: Actor, subscription_id: str, offer_id: str) -> Subscription:
    """Apply the offer: the discount on the next renewals, or the move at the period's end."""
    if RetentionOffer.objects.filter(pk=offer_id, kind=RetentionOffer.Kind.MOVE).exists():
        return _accept_move(actor=actor, subscription_id=subscription_id, offer_id=offer_id)
    from prorata.licenses.selectors import assigned_count

    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        offer = _open_offer(sub, offer_id)
        if not _offerable(sub):
            raise Conflict("no_retention_offer", details={"offer": offer.pk})
        ensure_no_payment_in_progress(sub)
        now = now_for(sub.tenant)
        assigned = assigned_count(sub)
        before = snapshot(sub, assigned)
        sub.discount_percent, sub.discount_periods_left = offer.percent, offer.periods
        changes = Changes()
        changes.update(Subscription, sub.pk, discount_percent=offer.percent, discount_periods_left=offer.periods)
        changes.update(RetentionOffer, offer.pk, outcome=RetentionOffer.Outcome.ACCEPTED, decided_at=now)
        changes.audit(actor=actor, tenant_id=sub.tenant_id, action="subscription.updated", object_type="subscription",
                      object_id=sub.pk, at=now, before=before, after=snapshot(sub, assigned),
                      details={"retention_offer": offer.pk, "discount_percent": offer.percent,
                               "discount_periods": offer.periods})
        changes.flush()
    return sub


def _accept_move(*, actor: Actor, subscription_id: str, offer_id: str) -> Subscription:
    from .plan_change import PERIOD_END, subscription_change_plan

    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        offer = _open_offer(sub, offer_id)
        # The same checks and write as any scheduled change (seats, licenses, paths).
        sub = subscription_change_plan(actor=actor, subscription_id=sub.pk, plan_id=offer.move_plan_id,  # type: ignore[arg-type]
                                       at=PERIOD_END)
        RetentionOffer.objects.filter(pk=offer.pk).update(outcome=RetentionOffer.Outcome.ACCEPTED,
                                                          decided_at=now_for(sub.tenant))
    return sub


def retention_offer_decline(*, actor: Actor, subscription_id: str, offer_id: str) -> None:
    """No thanks: recorded, and the cancel goes on."""
    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        offer = _open_offer(sub, offer_id)
        RetentionOffer.objects.filter(pk=offer.pk).update(outcome=RetentionOffer.Outcome.DECLINED,
                                                          decided_at=now_for(sub.tenant))


def cancel_attempt_record(*, sub: Subscription, code: str, assigned: int) -> None:
    """A blocked decision shown in the admin center, once a day per subscription and code."""
    from ..models import CancelAttempt

    now = now_for(sub.tenant)
    if CancelAttempt.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk, code=code,
                                    at__gt=now - timedelta(days=1)).exists():
        return
    CancelAttempt.objects.create(tenant_id=sub.tenant_id, subscription=sub, code=code, assigned=assigned, at=now)


__all__ = ["cancel_attempt_record", "retention_offer_accept", "retention_offer_decline", "retention_offer_show"]
