"""A plan's seat limits and change paths as typed errors (rules in domain.plan_change)."""

from __future__ import annotations

from prorata.catalog.models import Plan as CatalogPlan
from prorata.core.errors import Conflict, InvalidInput

from ..domain.plan_change import PlanFacts, Refusal, seat_limits

INVALID = {"invalid_change_at", "quantity_below_plan_minimum", "quantity_above_plan_maximum", "plan_not_available"}


def plan_facts(plan: CatalogPlan) -> PlanFacts:
    return PlanFacts(id=plan.pk, product_id=plan.product_id, family=plan.product.family, tier=plan.product.tier,
                     currency=plan.currency, interval=plan.interval, unit_amount=int(plan.unit_amount),
                     min_seats=plan.min_seats, max_seats=plan.max_seats, is_active=plan.is_active)


def raise_refusal(refusal: Refusal) -> None:
    params = {k: v for k, v in refusal.params.items() if not isinstance(v, list)}
    if refusal.code in INVALID:
        raise InvalidInput(refusal.code, details=dict(refusal.params), **params)
    raise Conflict(refusal.code, details=dict(refusal.params), **params)


def check_seat_limits(plan: CatalogPlan, quantity: int) -> None:
    """`quantity_below_plan_minimum` / `quantity_above_plan_maximum` (400) outside the plan's limits."""
    refusal = seat_limits(plan_facts(plan), quantity)
    if refusal is not None:
        raise_refusal(refusal)
