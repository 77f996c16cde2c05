"""Catalog routes: products and plans. Thin: parse, call a service or selector, shape."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from prorata.api import actor_of
from prorata.pagination import page
from prorata.schemas import errors

from . import selectors, services
from .models import Plan, Product
from .schemas import PlanIn, PlanOut, PlanPage, ProductIn, ProductOut, ProductPage

router = Router(tags=["catalog"])


def product_out(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk, "code": product.code, "name": product.name,
        "names": product.names or {}, "created_at": product.created_at,
    }


def plan_out(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk, "product": plan.product_id, "code": plan.code, "name": plan.name,
        "currency": plan.currency, "unit_amount": plan.unit_amount, "interval": plan.interval,
        "trial_days": plan.trial_days, "policy": selectors.plan_policy(plan),
        "is_active": plan.is_active, "created_at": plan.created_at,
    }


@router.post(
    "/products", response={201: ProductOut, **errors(400, 403, 409)},
    operation_id="product_create", summary="Create a product (operator)",
)
def create_product(request: HttpRequest, body: ProductIn) -> Status[dict[str, Any]]:
    product = services.product_create(actor=actor_of(request), code=body.code, name=body.name, names=body.names)
    return Status(201, product_out(product))


@router.get(
    "/products", response={200: ProductPage, **errors(400, 404)},
    operation_id="products_list", summary="List products",
)
def list_products(request: HttpRequest, limit: int | None = None, starting_after: str | None = None) -> dict[str, Any]:
    items, has_more = selectors.products_list(actor=actor_of(request), limit=limit, starting_after=starting_after)
    return page([product_out(p) for p in items], has_more)


@router.get(
    "/products/{product_id}", response={200: ProductOut, **errors(404)},
    operation_id="product_get", summary="Get a product",
)
def get_product(request: HttpRequest, product_id: str) -> dict[str, Any]:
    return product_out(selectors.product_get(actor=actor_of(request), product_id=product_id))


@router.post(
    "/plans", response={201: PlanOut, **errors(400, 403, 404, 409)},
    operation_id="plan_create", summary="Create a plan: a price and policy for a product (operator)",
)
def create_plan(request: HttpRequest, body: PlanIn) -> Status[dict[str, Any]]:
    plan = services.plan_create(
        actor=actor_of(request), product_id=body.product, code=body.code, name=body.name,
        currency=body.currency, unit_amount=body.unit_amount, interval=body.interval,
        trial_days=body.trial_days, policy=body.policy,
    )
    return Status(201, plan_out(plan))


@router.get(
    "/plans", response={200: PlanPage, **errors(400, 404)},
    operation_id="plans_list", summary="List plans, optionally of one product",
)
def list_plans(
    request: HttpRequest, product: str | None = None, limit: int | None = None, starting_after: str | None = None
) -> dict[str, Any]:
    items, has_more = selectors.plans_list(
        actor=actor_of(request), product_id=product, limit=limit, starting_after=starting_after
    )
    return page([plan_out(p) for p in items], has_more)


@router.get(
    "/plans/{plan_id}", response={200: PlanOut, **errors(404)},
    operation_id="plan_get", summary="Get a plan",
)
def get_plan(request: HttpRequest, plan_id: str) -> dict[str, Any]:
    return plan_out(selectors.plan_get(actor=actor_of(request), plan_id=plan_id))
