"""Plan changes, retention offers and the cancellation report through the API and the pages."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import ApiClient
from factories import (
    make_api_key,
    make_card,
    make_clock,
    make_plan,
    make_product,
    make_tenant,
    make_user,
    utc,
)
from prorata.billing.models import Invoice
from prorata.core.actor import Actor
from prorata.licenses.services import license_assign
from prorata.subscriptions.engine import advance_clock
from prorata.subscriptions.models import CancelAttempt, RetentionOffer, Subscription
from prorata.subscriptions.services import subscription_purchase

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="api_key", id="key_op", label="operator", is_operator=True, role="operator")
PASSWORD = "a long enough pass phrase 16"


@pytest.fixture
def world():
    clock = make_clock(utc(2026, 4, 1, 9))
    tenant = make_tenant(test_clock=clock)
    make_card(tenant)
    basic = make_plan(make_product(code="bb", name="Business Basic", family="office", tier=1), unit_amount=1999,
                      retention_offer="discount", retention_percent=20, retention_periods=3)
    e3 = make_plan(make_product(code="e3", name="Office 365 E3", family="office", tier=3), unit_amount=2999)
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=basic.pk, quantity=3)
    license_assign(actor=OPERATOR, subscription_id=sub.pk, user_id=make_user(tenant).pk)
    clock.refresh_from_db()
    advance_clock(clock, utc(2026, 4, 10, 9), actor=OPERATOR)
    return tenant, basic, e3, sub


def test_the_api_previews_then_changes_the_plan_and_refuses_with_translated_codes(world):
    tenant, basic, e3, sub = world
    api = ApiClient(make_api_key(tenant)[1])
    preview = api.post(f"/subscriptions/{sub.pk}/change_plan/preview", {"plan": e3.pk, "at": "now"})
    assert preview.status_code == 200, preview.content
    assert (preview.json()["amount"], [x["amount"] for x in preview.json()["lines"]]) == (2100, [-4198, 6298])
    assert not Invoice.objects.filter(subscription=sub, kind="change").exists()

    zh = ApiClient(make_api_key(tenant)[1], language="zh-Hans")
    refused = zh.post(f"/subscriptions/{sub.pk}/change_plan", {"plan": e3.pk, "quantity": 0, "at": "now"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_quantity")
    fewer = zh.post(f"/subscriptions/{sub.pk}/change_plan", {"plan": e3.pk, "at": "sometime"})
    assert fewer.status_code == 400
    assert fewer.json()["error"]["code"] == "invalid_change_at"
    assert "计划更改" in fewer.json()["error"]["message"]

    done = api.post(f"/subscriptions/{sub.pk}/change_plan", {"plan": e3.pk, "at": "now"})
    assert done.status_code == 200, done.content
    assert (done.json()["plan"], done.json()["assigned_licenses"]) == (e3.pk, 1)

    back = api.post(f"/subscriptions/{sub.pk}/change_plan", {"plan": basic.pk, "at": "period_end"})
    assert back.json()["scheduled_change"] == {"plan": basic.pk, "quantity": 3, "effective_at": "2026-05-01T09:00:00Z"}
    withdrawn = api.delete(f"/subscriptions/{sub.pk}/scheduled_change")
    assert withdrawn.json()["scheduled_change"] is None
    again = api.delete(f"/subscriptions/{sub.pk}/scheduled_change")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "no_scheduled_change")


def _admin(tenant):
    user = make_user(tenant, role="global_admin", password=PASSWORD)
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_change_plan_page_shows_the_amount_before_the_confirm(world):
    tenant, _basic, e3, sub = world
    client = _admin(tenant)
    detail = client.get(f"/billing/products/{sub.pk}/").content.decode()
    assert f"/billing/products/{sub.pk}/change-plan/" in detail
    page = client.get(f"/billing/products/{sub.pk}/change-plan/").content.decode()
    assert "Office 365 E3" in page
    preview = client.post(f"/billing/products/{sub.pk}/change-plan/",
                          {"plan": e3.pk, "quantity": 3, "at": "now", "step": "preview"})
    assert preview.status_code == 200
    assert "$21.00" in preview.content.decode()
    assert Subscription.objects.get(pk=sub.pk).plan_id != e3.pk
    confirm = client.post(f"/billing/products/{sub.pk}/change-plan/",
                          {"plan": e3.pk, "quantity": 3, "at": "now", "step": "confirm"})
    assert confirm.status_code == 302
    assert Subscription.objects.get(pk=sub.pk).plan_id == e3.pk


def test_the_cancel_page_offers_the_discount_first_and_a_decline_continues(world):
    tenant, _basic, _e3, sub = world
    client = _admin(tenant)
    page = client.get(f"/billing/products/{sub.pk}/cancel/").content.decode()
    assert 'data-testid="retention-offer"' in page and "20% off each of your next renewals, 3 in all." in page
    offer = RetentionOffer.objects.get(subscription=sub)
    client.post(f"/billing/products/{sub.pk}/cancel/offer/", {"offer": offer.pk, "answer": "decline"})
    page = client.get(f"/billing/products/{sub.pk}/cancel/").content.decode()
    assert 'data-testid="retention-offer"' not in page and "Confirm cancellation" in page
    offer.refresh_from_db()
    assert offer.outcome == "declined"


def test_a_blocked_cancel_page_is_recorded_once_a_day_and_the_report_page_renders(world):
    tenant, basic, _e3, sub = world
    Subscription.objects.filter(pk=sub.pk).update(quantity=3)
    basic.max_assigned_for_online_cancel = 0
    basic.save()
    client = _admin(tenant)
    client.get(f"/billing/products/{sub.pk}/cancel/")
    client.get(f"/billing/products/{sub.pk}/cancel/")
    assert CancelAttempt.objects.filter(subscription=sub, code="too_many_licenses").count() == 1

    operator = make_user(None, role="operator", password=PASSWORD)
    staff = Client()
    assert staff.login(username=operator.email, password=PASSWORD)
    page = staff.get("/reports/cancellations/?first_month=2026-04&last_month=2026-04")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    csv = staff.get("/reports/cancellations/?first_month=2026-04&last_month=2026-04&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert staff.get("/reports/cancellations/?first_month=bad").status_code == 400
    assert client.get("/reports/cancellations/").status_code == 403
