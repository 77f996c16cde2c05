"""Reads of licenses, scoped through the actor's tenant; the license check the vendor's app calls."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Q, QuerySet

from prorata.catalog.models import Plan
from prorata.core.actor import Actor
from prorata.core.errors import NotFound
from prorata.core.transitions import ENTITLED
from prorata.pagination import usable_id
from prorata.subscriptions.models import Subscription
from prorata.tenants.selectors import tenant_get

from .models import License, SigningKey

_CHECK_SQL: str | None = None


def _check_sql() -> str:
    """The license check's one statement: the user's licenses of the product with their
    subscription, its plan's product and currency, and its assigned count (prorata.platform.hotpath:
    written once instead of compiled by the ORM on every sign-in the vendor's app checks)."""
    global _CHECK_SQL
    if _CHECK_SQL is None:
        from prorata.platform.hotpath import quote as q
        from prorata.platform.hotpath import select_list

        lic, sub, plan = (q(m._meta.db_table) for m in (License, Subscription, Plan))
        _CHECK_SQL = (
            f"SELECT {select_list(Subscription, Subscription._meta.db_table)}, "
            f"{plan}.{q('product_id')}, {plan}.{q('currency')}, "
            f"(SELECT COUNT(*) FROM {lic} held WHERE held.{q('tenant_id')} = {lic}.{q('tenant_id')} "
            f"AND held.{q('subscription_id')} = {lic}.{q('subscription_id')}) "
            f"FROM {lic} JOIN {sub} ON {sub}.{q('id')} = {lic}.{q('subscription_id')} "
            f"JOIN {plan} ON {plan}.{q('id')} = {sub}.{q('plan_id')} "
            f"WHERE {lic}.{q('tenant_id')} = %s AND {lic}.{q('user_id')} = %s AND {plan}.{q('product_id')} = %s "
            f"ORDER BY {lic}.{q('subscription_id')}"
        )
    return _CHECK_SQL


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


def _held(tenant_id: str, user_id: str, product_id: str) -> list[Subscription]:
    """The subscriptions of the product whose license the user holds, oldest first, each with
    `assigned_licenses` and its plan (product and currency read; the rest deferred)."""
    from prorata.platform import hotpath

    held = []
    fields = hotpath.width(Subscription)
    for row in hotpath.fetch(_check_sql(), [tenant_id, user_id, product_id]):
        sub = hotpath.instance(Subscription, row)
        product, currency, sub.assigned_licenses = row[fields:]  # type: ignore[attr-defined]
        # The plan's two columns the answer shows; its other fields are deferred (read on
        # access), never silently empty.
        sub.plan = Plan.from_db(connection.alias, ["id", "product_id", "currency"], [sub.plan_id, product, currency])
        held.append(sub)
    return held


def license_check(*, actor: Actor, tenant_id: str, user_id: str, product_id: str) -> tuple[bool, Subscription | None]:
    """Is the user licensed for the product? (licensed, the subscription that licenses them).

    Licensed iff the user holds a license of a subscription of that product whose status is
    entitled (trialing, active, past due, expired). When several do, the oldest one answers;
    when none does but the user holds a license of a non-entitled one, that one is returned
    beside `False` so the caller can say why.

    One statement when the user holds a license of the product (the licenses with their
    subscription, plan and assigned count); a second only to tell an unknown tenant (404)
    from an unlicensed user, and only for staff: a tenant's own key names a tenant that exists.
    """
    if not usable_id(tenant_id) or not actor.can_see_tenant(tenant_id):
        raise NotFound("not_found", object="tenant", id=tenant_id)
    subscriptions: list[Subscription] = []
    if usable_id(user_id) and usable_id(product_id):
        subscriptions = _held(tenant_id, user_id, product_id)
    if not subscriptions and actor.tenant_id != tenant_id:
        tenant_get(actor=actor, tenant_id=tenant_id)
    for sub in subscriptions:
        if sub.status in ENTITLED:
            return True, sub
    return False, (subscriptions[0] if subscriptions else None)


def published_keys(*, at: datetime) -> list[dict]:
    """The public keys (JWKs) that verify license tokens at wall-clock `at`: the signing key and
    every retired key some unexpired token may still carry."""
    from . import tokens

    keep_after = at - tokens.publish_for()
    keys = SigningKey.objects.filter(Q(retired_at__isnull=True) | Q(retired_at__gt=keep_after))
    return [dict(k.public_jwk) for k in keys.order_by("-created_at", "-kid")]


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
