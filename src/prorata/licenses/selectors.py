"""Reads of licenses, scoped through the actor's tenant; the license check the vendor's app calls."""

from __future__ import annotations

from django.db.models import QuerySet

from prorata.core.actor import Actor
from prorata.core.transitions import ENTITLED
from prorata.subscriptions.models import Subscription
from prorata.tenants.selectors import tenant_get

from .models import License


def assigned_count(subscription: Subscription) -> int:
    """How many licenses of the subscription users hold now (assigned, not purchased)."""
    return License.objects.filter(tenant_id=subscription.tenant_id, subscription_id=subscription.pk).count()


def licenses_for_subscription(subscription: Subscription) -> QuerySet[License]:
    """The subscription's licenses, oldest first. The caller has already scoped the subscription."""
    return (
        License.objects.filter(tenant_id=subscription.tenant_id, subscription_id=subscription.pk)
        .select_related("user")
        .order_by("id")
    )


def licenses_for_user(*, actor: Actor, tenant_id: str, user_id: str) -> list[License]:
    """Every license a user of the tenant holds, with subscription, plan and product."""
    tenant = tenant_get(actor=actor, tenant_id=tenant_id)
    return list(
        License.objects.filter(tenant_id=tenant.pk, user_id=user_id)
        .select_related("subscription", "subscription__plan", "subscription__plan__product")
        .order_by("id")
    )


def licenses_for_users(*, actor: Actor, tenant_id: str, user_ids: list[str]) -> dict[str, list[License]]:
    """The licenses that license several users of one tenant (one query), by user id: those of
    entitled subscriptions only, as the license check answers."""
    tenant = tenant_get(actor=actor, tenant_id=tenant_id)
    held: dict[str, list[License]] = {user_id: [] for user_id in user_ids}
    licenses = (
        License.objects.filter(tenant_id=tenant.pk, user_id__in=user_ids, subscription__status__in=ENTITLED)
        .select_related("subscription", "subscription__plan", "subscription__plan__product")
        .order_by("id")
    )
    for lic in licenses:
        held[lic.user_id].append(lic)
    return held


def license_check(*, actor: Actor, tenant_id: str, user_id: str, product_id: str) -> tuple[bool, Subscription | None]:
    """Is the user licensed for the product? (licensed, the subscription that licenses them).

    Licensed iff the user holds a license of a subscription of that product whose status is
    entitled (trialing, active, past due, expired). When several do, the oldest one answers;
    when none does but the user holds a license of a non-entitled one, that one is returned
    beside `False` so the caller can say why.
    """
    tenant = tenant_get(actor=actor, tenant_id=tenant_id)
    held = (
        License.objects.filter(tenant_id=tenant.pk, user_id=user_id, subscription__plan__product_id=product_id)
        .select_related("subscription", "subscription__plan")
        .order_by("subscription_id")
    )
    subscriptions = [lic.subscription for lic in held]
    for sub in subscriptions:
        if sub.status in ENTITLED:
            return True, sub
    return False, (subscriptions[0] if subscriptions else None)


def licensed_product_names(*, actor: Actor, tenant_id: str) -> dict[str, list[str]]:
    """Each user's licensed products by name (entitled subscriptions), for the whole tenant in
    one query of plain values: the CSV export of thousands of users builds no model objects."""
    tenant = tenant_get(actor=actor, tenant_id=tenant_id)
    out: dict[str, list[str]] = {}
    rows = (License.objects.filter(tenant_id=tenant.pk, subscription__status__in=ENTITLED)
            .values_list("user_id", "subscription__plan__product__name").order_by("user_id", "subscription__plan__product__name"))
    for user_id, name in rows:
        out.setdefault(user_id, []).append(name)
    return out
