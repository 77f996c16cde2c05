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
    "cancel": {"sqlite": 20, "postgresql": 20},
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


# The API's hot reads, as the vendor's app and the admin center ask them, with the API key already
# verified (it is kept in memory for seconds: prorata.platform.keys) and the rate limit's lease in
# hand: the license check is one statement (a second only tells an unknown tenant from an
# unlicensed user, for an operator key); the decision two (the subscription with its plan,
# tenant, clock, assigned count and card; the period's invoices with their lines). A key's first
# request also looks the key up and takes its first lease of the rate limit (an upsert and the
# clean-up of older windows, in a savepoint; PostgreSQL also skips the commit's fsync for it).
API_PINS = {"check": 1, "check_unlicensed_operator": 2, "decision": 2, "token": 1}
COLD_CHECK = {"sqlite": 6, "postgresql": 7}


@pytest.fixture
def steady_limit(settings, monkeypatch):
    """A lease of 1000 requests in one wall-clock window that does not end mid-test."""
    from prorata.platform import middleware

    settings.PRORATA_RATE_LIMIT = 100_000
    monkeypatch.setattr(middleware, "_now", lambda: utc(2026, 5, 1, 12))


def _api_world():
    from conftest import ApiClient
    from factories import make_api_key, make_user
    from prorata.licenses.services import license_assign

    clock, tenant, plan = _world()
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=3)
    user = make_user(tenant)
    license_assign(actor=OPERATOR, subscription_id=sub.pk, user_id=user.pk)
    _, tenant_secret = make_api_key(tenant)
    _, operator_secret = make_api_key()
    return tenant, plan, sub, user, ApiClient(tenant_secret), ApiClient(operator_secret)


def _api_count(send) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = send()
    assert response.status_code == 200, response.content
    return len(captured), [q["sql"] for q in captured]


def _pin(path: str, count: int, sql: list[str]) -> None:
    pin = API_PINS[path]
    assert count == pin, f"{path}: {count} statements, pinned at {pin}:\n" + "\n".join(sql)


def test_the_license_check_is_one_statement(steady_limit):
    tenant, plan, sub, user, api, operator = _api_world()
    query = {"tenant": tenant.pk, "user": user.pk, "product": plan.product_id}
    count, sql = _api_count(lambda: api.get("/licenses/check", query))
    assert count == COLD_CHECK[connection.vendor], "\n".join(sql)
    for _ in range(5):
        count, sql = _api_count(lambda: api.get("/licenses/check", query))
        _pin("check", count, sql)
    operator.get("/licenses/check", query)
    count, sql = _api_count(lambda: operator.get("/licenses/check", {**query, "user": "user_nobody"}))
    _pin("check_unlicensed_operator", count, sql)


def test_the_token_is_the_check_signed(steady_limit):
    tenant, plan, sub, user, api, _operator = _api_world()
    body = {"tenant": tenant.pk, "user": user.pk, "product": plan.product_id}
    api.post("/licenses/token", body)  # the key and the signing key, read once
    count, sql = _api_count(lambda: api.post("/licenses/token", body))
    _pin("token", count, sql)


def test_the_cancellation_decision_is_two_statements(steady_limit):
    _tenant, _plan, sub, _user, api, _operator = _api_world()
    api.get(f"/subscriptions/{sub.pk}/cancellation")
    count, sql = _api_count(lambda: api.get(f"/subscriptions/{sub.pk}/cancellation"))
    _pin("decision", count, sql)
