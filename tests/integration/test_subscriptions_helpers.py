"""Set-up shared by the subscription, license, callback and concurrency tests (no tests here).

A "world" is a tenant on a test clock with a card, a plan with the default policy, an operator
key and a tenant key, and some users. Time moves by setting the clock's frozen time directly,
without running due work, so each test controls exactly what happens.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from conftest import ApiClient
from factories import make_api_key, make_card, make_clock, make_plan, make_tenant, make_user, utc
from prorata.licenses.models import License
from prorata.subscriptions.models import Subscription

T0 = utc(2026, 2, 1, 11)


def make_world(
    at: datetime = T0, *, card: str | None = "4242424242424242", users: int = 0,
    plan: dict[str, Any] | None = None, tenant: dict[str, Any] | None = None, language: str | None = None,
) -> SimpleNamespace:
    clock = make_clock(at)
    ten = make_tenant(test_clock=clock, **(tenant or {}))
    if card:
        make_card(ten, card)
    pl = make_plan(**{"trial_days": 30, **(plan or {})})
    _, op_secret = make_api_key()
    _, tenant_secret = make_api_key(ten)
    people = [make_user(ten) for _ in range(users)]
    return SimpleNamespace(
        clock=clock, tenant=ten, plan=pl, users=people,
        op=ApiClient(op_secret, language), api=ApiClient(tenant_secret, language),
    )


def move_clock(world: SimpleNamespace, to: datetime) -> None:
    world.clock.frozen_time = to
    world.clock.save(update_fields=["frozen_time"])


def buy(world: SimpleNamespace, quantity: int = 1, trial: bool = False, client: ApiClient | None = None) -> dict[str, Any]:
    response = (client or world.api).post(
        "/subscriptions", {"tenant": world.tenant.pk, "plan": world.plan.pk, "quantity": quantity, "trial": trial}
    )
    assert response.status_code == 201, response.content
    return response.json()


def assign_directly(subscription_id: str, users: list) -> None:
    """Seat users without the service (set-up only): a fast way to reach 25 or 40 assigned."""
    sub = Subscription.objects.get(pk=subscription_id)
    License.objects.bulk_create(
        [License(tenant_id=sub.tenant_id, subscription=sub, user=u, assigned_at=sub.current_period_start) for u in users]
    )


def error_of(response) -> dict[str, Any]:
    return response.json()["error"]
