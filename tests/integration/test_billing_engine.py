"""The billing pass survives failures without doing anything twice or looping on them."""

from __future__ import annotations

import pytest

from factories import make_card, make_clock, make_plan, make_tenant, utc
from prorata.billing import bulk, engine
from prorata.billing.engine import TenantFilter, run_pass
from prorata.billing.models import Invoice
from prorata.core.actor import Actor
from prorata.subscriptions.services import subscription_purchase

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="api_key", id="key_op", label="operator", is_operator=True, role="operator")


def _subs(n: int):
    clock = make_clock(utc(2026, 1, 10))
    tenant = make_tenant(test_clock=clock)
    make_card(tenant)
    plan = make_plan(unit_amount=500)
    subs = [subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=i + 1) for i in range(n)]
    return clock, subs


def test_a_failing_bulk_write_falls_back_to_the_per_row_path_and_renews_each_once(monkeypatch):
    clock, subs = _subs(3)
    original = bulk.write_rows

    def broken(model, names, rows):
        if model is Invoice:
            raise RuntimeError("disk full")
        return original(model, names, rows)

    monkeypatch.setattr(bulk, "write_rows", broken)
    result = run_pass(as_of=utc(2026, 2, 10), tenant_filter=TenantFilter(clock_id=clock.pk, realtime=False))

    assert (result.renewals, result.failures) == (3, [])
    for sub in subs:
        assert list(Invoice.objects.filter(subscription=sub).order_by("period_start").values_list("period_start", "total")) == [
            (utc(2026, 1, 10), 500 * sub.quantity), (utc(2026, 2, 10), 500 * sub.quantity)]


def test_one_broken_subscription_is_reported_and_does_not_stop_or_loop_the_pass(monkeypatch):
    clock, subs = _subs(3)
    monkeypatch.setattr(bulk, "MIN_BULK", 10**9)
    original = engine.subscription_process_due
    broken_id = subs[1].pk

    def process(*, actor, subscription, work, defer_collection=False):
        if subscription.pk == broken_id:
            raise RuntimeError("bug")
        return original(actor=actor, subscription=subscription, work=work, defer_collection=defer_collection)

    monkeypatch.setattr(engine, "subscription_process_due", process)
    result = run_pass(as_of=utc(2026, 5, 10), tenant_filter=TenantFilter(clock_id=clock.pk, realtime=False))

    assert result.failures == [broken_id]
    assert Invoice.objects.filter(subscription=subs[1]).count() == 1
    assert Invoice.objects.filter(subscription=subs[0]).count() == 5
    assert Invoice.objects.filter(subscription=subs[2]).count() == 5
