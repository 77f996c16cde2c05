"""The API end to end: advancing a test clock bills every renewal due, each at its boundary;
going backwards is refused with a code and changes nothing."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from factories import make_api_key, make_card, make_clock, make_plan, make_tenant, utc
from prorata.billing.models import Invoice
from prorata.core.actor import Actor
from prorata.subscriptions.services import subscription_purchase

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="api_key", id="key_op", label="operator", is_operator=True, role="operator")


def test_advancing_a_clock_through_the_api_bills_each_renewal_at_its_boundary():
    clock = make_clock(utc(2024, 1, 31, 10))
    tenant = make_tenant(test_clock=clock)
    make_card(tenant)
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=make_plan(unit_amount=1000).pk, quantity=2)
    _key, secret = make_api_key()
    operator = ApiClient(secret)

    response = operator.post(f"/test_clocks/{clock.pk}/advance", {"frozen_time": "2024-04-30T10:00:00Z"})

    assert response.status_code == 200, response.content
    assert response.json()["frozen_time"].startswith("2024-04-30T10:00:00")
    invoices = operator.get("/invoices", {"tenant": tenant.pk}).json()["data"]
    assert [(i["period_start"][:10], i["total"], i["status"]) for i in invoices] == [
        ("2024-01-31", 2000, "paid"), ("2024-02-29", 2000, "paid"), ("2024-03-31", 2000, "paid"), ("2024-04-30", 2000, "paid"),
    ]

    back = operator.post(f"/test_clocks/{clock.pk}/advance", {"frozen_time": "2024-03-01T00:00:00Z"})
    assert back.status_code == 409
    assert back.json()["error"]["code"] == "clock_cannot_go_backwards"
    assert Invoice.objects.filter(subscription=sub).count() == 4


def test_a_tenant_key_sees_only_its_own_credit_notes_and_refunds():
    clock = make_clock(utc(2026, 4, 1))
    mine, theirs = make_tenant(test_clock=clock), make_tenant(test_clock=clock)
    for t in (mine, theirs):
        make_card(t)
    plan = make_plan(unit_amount=3000, credit_settlement="refund_now")
    from prorata.subscriptions.services import subscription_cancel

    for t in (mine, theirs):
        sub = subscription_purchase(actor=OPERATOR, tenant_id=t.pk, plan_id=plan.pk, quantity=1)
        subscription_cancel(actor=OPERATOR, subscription_id=sub.pk)
    _key, secret = make_api_key(mine)
    api = ApiClient(secret)
    notes = api.get("/credit_notes").json()["data"]
    assert [(n["tenant"], n["amount"], n["status"], n["refunded_amount"]) for n in notes] == [(mine.pk, 3000, "settled", 3000)]
    refunds = api.get("/refunds").json()["data"]
    assert [(r["tenant"], r["amount"]) for r in refunds] == [(mine.pk, 3000)]
    assert api.get("/refunds", {"tenant": theirs.pk}).status_code == 404
