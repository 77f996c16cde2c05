"""Catalog reads. The catalog is public to every authenticated actor: it is what is for sale."""

from __future__ import annotations

from typing import Any

from prorata.core.actor import Actor
from prorata.core.errors import NotFound
from prorata.pagination import paginate, usable_id

from .models import Plan, Product

POLICY_FIELDS = (
    "max_assigned_for_online_cancel",
    "cancel_window_hours",
    "proration_unit",
    "credit_settlement",
    "grace_days",
    "disabled_days",
)


def product_get(*, actor: Actor, product_id: str) -> Product:
    product = Product.objects.filter(pk=product_id).first() if usable_id(product_id) else None
    if product is None:
        raise NotFound("not_found", object="product", id=product_id)
    return product


def products_list(*, actor: Actor, limit: int | None = None, starting_after: str | None = None) -> tuple[list[Product], bool]:
    return paginate(Product.objects.all(), limit, starting_after)


def plan_get(*, actor: Actor, plan_id: str) -> Plan:
    plan = Plan.objects.select_related("product").filter(pk=plan_id).first() if usable_id(plan_id) else None
    if plan is None:
        raise NotFound("not_found", object="plan", id=plan_id)
    return plan


def plans_list(
    *, actor: Actor, product_id: str | None = None, limit: int | None = None, starting_after: str | None = None
) -> tuple[list[Plan], bool]:
    qs = Plan.objects.select_related("product")
    if product_id:
        qs = qs.filter(product_id=product_id) if usable_id(product_id) else qs.none()
    return paginate(qs, limit, starting_after)


def plan_policy(plan: Plan) -> dict[str, Any]:
    """The plan's SPEC §4 policy as a dict."""
    return {field: getattr(plan, field) for field in POLICY_FIELDS}
