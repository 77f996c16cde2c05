"""Reads of subscriptions, always scoped through the actor's tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from prorata.core.actor import Actor
from prorata.core.errors import NotFound
from prorata.pagination import paginate
from prorata.tenants.models import Tenant

from .domain.cancellation import CancelPolicy, SubscriptionFacts
from .models import Subscription

if TYPE_CHECKING:
    from prorata.billing.models import Invoice


def visible_subscriptions(actor: Actor) -> QuerySet[Subscription]:
    """Every subscription the actor may see: staff and the system all, a tenant actor its own."""
    qs = Subscription.objects.all()
    if actor.is_staff or actor.kind == "system":
        return qs
    if actor.tenant_id is None:
        return qs.none()
    return qs.filter(tenant_id=actor.tenant_id)


def subscription_get(*, actor: Actor, subscription_id: str) -> Subscription:
    """The subscription with `assigned_licenses` annotated, or NotFound (also for other tenants')."""
    sub = (
        visible_subscriptions(actor)
        .filter(pk=subscription_id)
        .select_related("plan", "plan__product", "tenant")
        .annotate(assigned_licenses=Count("licenses"))
        .first()
    )
    if sub is None:
        raise NotFound("not_found", object="subscription", id=subscription_id)
    return sub


def subscriptions_list(
    *, actor: Actor, tenant: Tenant | None = None, limit: int | None = None, starting_after: str | None = None
) -> tuple[list[Subscription], bool]:
    """One page of subscriptions by id, each with `assigned_licenses` annotated."""
    qs = visible_subscriptions(actor)
    if tenant is not None:
        qs = qs.filter(tenant_id=tenant.pk)
    qs = qs.select_related("plan", "plan__product").annotate(assigned_licenses=Count("licenses"))
    return paginate(qs, limit, starting_after)


def cancel_policy_of(subscription: Subscription) -> CancelPolicy:
    plan = subscription.plan
    return CancelPolicy(
        max_assigned_for_online_cancel=plan.max_assigned_for_online_cancel,
        cancel_window_hours=plan.cancel_window_hours,
        proration_unit=plan.proration_unit,
        credit_settlement=plan.credit_settlement,
    )


def cancellation_facts(subscription: Subscription, *, assigned: int, has_payment_method: bool, paid: int) -> SubscriptionFacts:
    return SubscriptionFacts(
        status=subscription.status,
        assigned_licenses=assigned,
        has_payment_method=has_payment_method,
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
        paid_for_period=paid,
        currency=subscription.plan.currency,
        trial_end=subscription.trial_end,
        canceled_at=subscription.canceled_at,
        timezone=subscription.tenant.timezone,
    )


def period_paid(subscription: Subscription) -> tuple[Invoice | None, int]:
    """The current period's invoice and what it charged for the seats, counting only a paid invoice.

    An unpaid (past due) invoice gave nothing to give back, so it credits 0.
    """
    from prorata.billing.services import paid_for_period

    if subscription.status not in ("active", "past_due"):
        return None, 0
    invoice, amount = paid_for_period(subscription=subscription, period_start=subscription.current_period_start)
    if invoice is None or getattr(invoice, "status", "") != "paid":
        return invoice, 0
    return invoice, amount
