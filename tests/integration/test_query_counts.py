"""Pinned SQL statement counts of the hot paths (as NetBox pins its views'): a single renewal by the
billing pass, a purchase, a cancel. A test fails when one grows; lower the pin when one shrinks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from factories import make_card, make_clock, make_plan, make_tenant, utc
from prorata.core.actor import Actor
from prorata.subscriptions.engine import TenantFilter, run_pass
from prorata.subscriptions.services import subscription_cancel, subscription_purchase
from prorata.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="api_key", id="key_q", label="operator", is_operator=True, role="operator")
# Statements per path, by database, counting the savepoints of the test case and the two statements
# of the sandbox processor's own ledger. A renewal alone: its claim, the batch's reads, the recorded call,
# the outcome's rows (one statement per table), and the pass's checks for more work. Each path's
# events read who receives their e-mail notices (notification settings; admins with their tenant's
# language: 2); the pass looks for time-driven notices before and after its work (2 + 2).
PINS = {
    "renewal": {"sqlite": 38, "postgresql": 38},
    "purchase": {"sqlite": 28, "postgresql": 28},
    "cancel": {"sqlite": 21, "postgresql": 21},
}


def _world():
    clock = make_clock(utc(2026, 1, 10))
    tenant = make_tenant(test_clock=clock)
    make_card(tenant)
    # The usual production set-up: the vendor's app listens for every event.
    WebhookEndpoint.objects.create(url="https://vendor.test/hooks", events=["*"], secret="whsec_AAAA", created_by="t",
                                   created_at=utc(2026, 1, 1))
    return clock, tenant, make_plan(unit_amount=2000)


def _count(fn) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured), [q["sql"] for q in captured]


def _check(path: str, count: int, sql: list[str]) -> None:
    pin = PINS[path][connection.vendor]
    assert count <= pin, f"{path}: {count} statements, pinned at {pin}:\n" + "\n".join(sql)
    assert count == pin, f"{path}: {count} statements, fewer than the pin {pin}: lower it"


def test_a_single_renewal():
    clock, tenant, plan = _world()
    subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=3)
    count, sql = _count(lambda: run_pass(as_of=utc(2026, 2, 10), tenant_filter=TenantFilter(clock_id=clock.pk, realtime=False)))
    _check("renewal", count, sql)


def test_a_purchase():
    _clock, tenant, plan = _world()
    count, sql = _count(lambda: subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=3))
    _check("purchase", count, sql)


def test_a_cancel():
    _clock, tenant, plan = _world()
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=3)
    count, sql = _count(lambda: subscription_cancel(actor=OPERATOR, subscription_id=sub.pk, reason="too_expensive"))
    _check("cancel", count, sql)
