"""Which plan changes are allowed, and when they take effect. Pure: facts in, a decision out.

- Between plans of one product (e.g. monthly → annual), or of products of one family
  (Business Basic → Standard → E3; `tier` orders them). Never across currencies.
- Seats within the new plan's limits (`min_seats`, `max_seats`) and never below the licenses
  assigned (`licenses_in_use`: the users to remove, in the style of the cancel decision).
- `now` only for an upgrade on the same interval: the old plan's unused time is credited and the
  new plan's rest charged on one invoice. A downgrade or a new interval takes effect at the end
  of the current period (`period_end`), when the renewal bills the new plan.
"""

from __future__ import annotations

from dataclasses import dataclass

NOW = "now"
PERIOD_END = "period_end"
WHENS = (NOW, PERIOD_END)


@dataclass(frozen=True, slots=True)
class PlanFacts:
    id: str
    product_id: str
    family: str
    tier: int
    currency: str
    interval: str
    unit_amount: int
    min_seats: int
    max_seats: int | None
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    params: dict[str, object]


def seat_limits(plan: PlanFacts, quantity: int) -> Refusal | None:
    """The plan's seat limits (purchase, seat change, plan change)."""
    if quantity < plan.min_seats:
        return Refusal("quantity_below_plan_minimum", {"quantity": quantity, "min_seats": plan.min_seats})
    if plan.max_seats is not None and quantity > plan.max_seats:
        return Refusal("quantity_above_plan_maximum", {"quantity": quantity, "max_seats": plan.max_seats})
    return None


def change_refusal(current: PlanFacts, new: PlanFacts, *, quantity: int, current_quantity: int, assigned: int,
                   when: str) -> Refusal | None:
    """Why this change may not be made (None: it may)."""
    if when not in WHENS:
        return Refusal("invalid_change_at", {"at": when, "allowed": list(WHENS)})
    if not new.is_active:
        return Refusal("plan_not_available", {"plan": new.id})
    if new.id == current.id and quantity == current_quantity:
        return Refusal("plan_unchanged", {"plan": new.id})
    if new.currency != current.currency:
        return Refusal("plan_change_currency", {"from": current.currency, "to": new.currency})
    same_family = bool(current.family) and current.family == new.family
    if new.product_id != current.product_id and not same_family:
        return Refusal("plan_change_not_allowed", {"from_plan": current.id, "to_plan": new.id})
    limit = seat_limits(new, quantity)
    if limit is not None:
        return limit
    if quantity < assigned:
        return Refusal("licenses_in_use", {"assigned": assigned, "quantity": quantity,
                                           "users_to_remove": assigned - quantity})
    if when == NOW and new.interval != current.interval:
        return Refusal("plan_change_at_period_end", {"reason": "interval"})
    return None


def is_upgrade(current: PlanFacts, new: PlanFacts, *, quantity: int, current_quantity: int) -> bool:
    """A change that may be made now: same interval, a tier not lower, and at least the value
    per period (so the new plan's rest never costs less than the old plan's unused part)."""
    return (new.interval == current.interval and new.tier >= current.tier
            and quantity * new.unit_amount >= current_quantity * current.unit_amount)


__all__ = ["NOW", "PERIOD_END", "WHENS", "PlanFacts", "Refusal", "change_refusal", "is_upgrade", "seat_limits"]
