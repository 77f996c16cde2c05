"""Support, walked from both sides: a second request for one subscription is warned about, a
customer can withdraw one, the queue labels its time zones and keeps a history, an engineer can
give a request back, and cancelling on behalf shows the refund first and records a reason."""

from __future__ import annotations

import pytest
from django.test import Client

from browser.stage import PASSWORD, build_stage
from factories import make_tenant, make_user
from prorata.subscriptions.models import Subscription
from prorata.support.models import CallbackRequest
from prorata.support.services import callback_request_claim, callback_request_create
from prorata.web.actors import actor_for

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def stage():
    return build_stage()


@pytest.fixture
def engineer():
    return make_user(None, "support_engineer", password=PASSWORD, email="sam@prorata.test", display_name="Sam")


def _ask(stage, sub=None):
    return callback_request_create(actor=actor_for(stage.admin), subscription_id=(sub or stage.big).pk,
                                   phone="+14155550100", language="en")


def test_a_second_request_for_one_subscription_is_warned_about_and_needs_a_tick(stage):
    first = _ask(stage)
    client = signed_in(stage.admin)
    url = f"/support/requests/new/?subscription={stage.big.pk}"
    page = client.get(url).content.decode()
    assert 'data-testid="already-requested"' in page and f"/support/requests/{first.pk}/" in page
    data = {"subscription": stage.big.pk, "phone": "+14155550100", "language": "en", "preferred_time": "any"}
    refused = client.post(url, data)
    assert refused.status_code == 409
    assert CallbackRequest.objects.count() == 1
    client.post(url, {**data, "again": "yes"})
    assert CallbackRequest.objects.count() == 2


def test_a_customer_withdraws_a_request(stage):
    cb = _ask(stage)
    client = signed_in(stage.admin)
    assert "Withdraw this request" in client.get(f"/support/requests/{cb.pk}/").content.decode()
    page = client.post(f"/support/requests/{cb.pk}/withdraw/", follow=True).content.decode()
    assert "Your callback request was withdrawn." in page
    cb.refresh_from_db()
    assert (cb.status, cb.outcome) == ("resolved", "withdrawn")
    assert "Withdraw this request" not in page
    # Another tenant's request is out of reach.
    other = make_user(make_tenant(), "global_admin", password=PASSWORD, email="ga@other.test")
    assert signed_in(other).post(f"/support/requests/{cb.pk}/withdraw/").status_code == 404


def test_the_api_withdraws_and_an_engineer_cannot_resolve_as_withdrawn(stage, engineer):
    from factories import make_api_key

    cb = _ask(stage)
    _key, secret = make_api_key(None)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    refused = api.post(f"/api/v1/callback_requests/{cb.pk}/resolve", {"outcome": "withdrawn"}, content_type="application/json")
    assert refused.status_code == 400
    _key, tenant_secret = make_api_key(stage.tenant)
    tenant_api = Client(headers={"Authorization": f"Bearer {tenant_secret}"})
    done = tenant_api.post(f"/api/v1/callback_requests/{cb.pk}/withdraw", content_type="application/json")
    assert done.status_code == 200 and done.json()["outcome"] == "withdrawn"
    again = tenant_api.post(f"/api/v1/callback_requests/{cb.pk}/withdraw", content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "callback_already_resolved"


def test_the_queue_labels_each_time_with_its_zone_and_keeps_a_history(engineer):
    shanghai = build_stage(language="zh-Hans", name="示例科技有限公司", email_domain="cn.test")
    cb = _ask(shanghai)
    client = signed_in(engineer)
    page = client.get("/support/console/").content.decode()
    # Requested at 2026-02-03 11:00 UTC, which is 19:00 in Shanghai.
    assert "Feb 3, 2026, 7:00:00\u202fPM</a>" in page
    assert "(China (Shanghai) Time)" in page or "(China Time)" in page
    assert "No callback request has been resolved yet." in page
    callback_request_claim(actor=actor_for(engineer), request_id=cb.pk)
    client.post(f"/support/console/{cb.pk}/resolve/", {"outcome": "no_answer", "note": ""})
    page = client.get("/support/console/").content.decode()
    history = page[page.index('id="history"'):]
    assert f"/support/console/{cb.pk}/" in history and "No answer" in history


def test_an_engineer_gives_a_claimed_request_back(stage, engineer):
    cb = _ask(stage)
    client = signed_in(engineer)
    client.post(f"/support/console/{cb.pk}/claim/")
    assert "Give back to the queue" in client.get(f"/support/console/{cb.pk}/").content.decode()
    response = client.post(f"/support/console/{cb.pk}/unclaim/")
    assert response.status_code == 302
    cb.refresh_from_db()
    assert (cb.status, cb.claimed_by_id) == ("open", None)
    kim = make_user(None, "support_engineer", password=PASSWORD, email="kim@prorata.test", display_name="Kim")
    client.post(f"/support/console/{cb.pk}/claim/")
    signed_in(kim).post(f"/support/console/{cb.pk}/unclaim/")
    cb.refresh_from_db()
    assert cb.claimed_by_id == engineer.pk


def test_cancelling_on_behalf_shows_the_refund_and_records_the_reason(stage, engineer):
    cb = _ask(stage)
    client = signed_in(engineer)
    client.post(f"/support/console/{cb.pk}/claim/")
    page = client.get(f"/support/console/{cb.pk}/").content.decode()
    # 30 × $20.00, 26 of 28 days unused: 60000 × 26 / 28 = 55714.29 → $557.14, back by March 1.
    assert '<dd data-testid="refund-amount">$557.14</dd>' in page
    assert '<dd data-testid="refund-date">March 1, 2026</dd>' in page
    refused = client.post(f"/support/console/{cb.pk}/cancel/", {"note": "Spoke with Megan"}, follow=True)
    assert "Choose the reason" in refused.content.decode()
    assert Subscription.objects.get(pk=stage.big.pk).status == "active"
    client.post(f"/support/console/{cb.pk}/cancel/", {"note": "Spoke with Megan", "reason": "too_expensive"})
    sub = Subscription.objects.get(pk=stage.big.pk)
    assert (sub.status, sub.cancel_reason) == ("disabled", "too_expensive")
