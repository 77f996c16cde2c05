"""The review step before money moves: buying, removing licenses and reactivating show the amount,
the date and the card, and nothing moves until the reviewed amount is confirmed."""

from __future__ import annotations

import pytest
from django.test import Client

from browser.stage import PASSWORD, build_stage
from prorata.billing.models import CreditNote, Invoice
from prorata.core.actor import SYSTEM
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import subscription_cancel

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def stage():
    return build_stage()


def test_buying_licenses_shows_the_charge_first_and_charges_only_on_confirm(stage):
    client = signed_in(stage.admin)
    invoices = Invoice.objects.count()
    url = f"/billing/products/{stage.small.pk}/buy-licenses/"
    page = client.post(url, {"count": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    # 1 license × $10.00 for the 26 of February's 28 days left: 1000 × 26 / 28 = 928.57 → $9.29.
    assert '<dd data-testid="review-amount">$9.29</dd>' in html
    assert '<dd data-testid="review-date">February 3, 2026</dd>' in html
    assert '<dd data-testid="review-card">VISA ending in 4242</dd>' in html
    assert Invoice.objects.count() == invoices
    assert Subscription.objects.get(pk=stage.small.pk).quantity == 5
    done = client.post(url, {"count": "1", "confirm": "yes", "expected": "929"})
    assert done.status_code == 302
    assert Subscription.objects.get(pk=stage.small.pk).quantity == 6
    assert Invoice.objects.count() == invoices + 1
    assert Invoice.objects.order_by("-id").first().total == 929


def test_a_confirm_with_another_amount_shows_the_review_again(stage):
    client = signed_in(stage.admin)
    response = client.post(f"/billing/products/{stage.small.pk}/buy-licenses/", {"count": "1", "confirm": "yes", "expected": "1"})
    assert response.status_code == 409
    assert "The amount changed since you reviewed it." in response.content.decode()
    assert Subscription.objects.get(pk=stage.small.pk).quantity == 5


def test_removing_licenses_shows_the_credit_and_when_it_returns(stage):
    client = signed_in(stage.admin)
    url = f"/billing/products/{stage.small.pk}/remove-licenses/"
    html = client.post(url, {"count": "2"}).content.decode()
    # 2 × $10.00, 26 of 28 days unused: 2000 × 26 / 28 = 1857.14 → $18.57, back by March 1.
    assert '<dd data-testid="review-amount">$18.57</dd>' in html
    assert '<dd data-testid="review-date">March 1, 2026</dd>' in html
    assert not CreditNote.objects.exists()
    client.post(url, {"count": "2", "confirm": "yes", "expected": "1857"})
    assert Subscription.objects.get(pk=stage.small.pk).quantity == 3
    assert CreditNote.objects.get().amount == 1857


def test_reactivating_shows_the_charge_and_the_new_period(stage):
    subscription_cancel(actor=SYSTEM, subscription_id=stage.small.pk, reason="other", feedback="")
    client = signed_in(stage.admin)
    url = f"/billing/products/{stage.small.pk}/reactivate/"
    html = client.post(url).content.decode()
    assert '<dd data-testid="review-amount">$50.00</dd>' in html
    assert '<dd data-testid="review-period">February 3, 2026 – March 3, 2026</dd>' in html
    assert '<dd data-testid="review-card">VISA ending in 4242</dd>' in html
    assert Subscription.objects.get(pk=stage.small.pk).status == "disabled"
    client.post(url, {"confirm": "yes", "expected": "5000"})
    assert Subscription.objects.get(pk=stage.small.pk).status == "active"


@pytest.mark.parametrize(("count", "words"), [
    ("1000000000000", "You can buy at most 100,000 licenses at a time."),
    ("abc", "Enter a whole number of licenses, such as 5."),
    ("0", "Enter at least 1 license."),
])
def test_buying_a_wrong_count_says_what_is_wrong(stage, count, words):
    client = signed_in(stage.admin)
    page = client.post(f"/billing/products/{stage.small.pk}/buy-licenses/", {"count": count}, follow=True)
    assert words in page.content.decode()


def test_removing_more_than_the_unassigned_licenses_says_so(stage):
    client = signed_in(stage.admin)
    page = client.post(f"/billing/products/{stage.small.pk}/remove-licenses/", {"count": "4"}, follow=True)
    html = page.content.decode()
    assert "Only 3 licenses are unassigned, so at most 3 can be removed." in html
    assert "keeps at least one license" not in html
    assert Subscription.objects.get(pk=stage.small.pk).quantity == 5


def test_the_api_previews_a_seat_increase_with_the_planner_and_changes_nothing(stage):
    from factories import make_api_key

    _key, secret = make_api_key(stage.tenant)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    invoices = Invoice.objects.count()
    body = api.post(f"/api/v1/subscriptions/{stage.small.pk}/quantity/preview", {"quantity": 6},
                    content_type="application/json").json()
    assert (body["kind"], body["amount"], body["currency"]) == ("charge", 929, "USD")
    assert body["payment_method"]["last4"] == "4242"
    assert (body["quantity_before"], body["quantity_after"]) == (5, 6)
    assert Invoice.objects.count() == invoices and Subscription.objects.get(pk=stage.small.pk).quantity == 5
    # What the preview said is what the action charges.
    api.post(f"/api/v1/subscriptions/{stage.small.pk}/quantity", {"quantity": 6}, content_type="application/json")
    assert Invoice.objects.order_by("-id").first().total == 929


def test_the_api_previews_a_decrease_and_a_reactivation(stage):
    from factories import make_api_key

    _key, secret = make_api_key(stage.tenant)
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    body = api.post(f"/api/v1/subscriptions/{stage.small.pk}/quantity/preview", {"quantity": 3},
                    content_type="application/json").json()
    assert (body["kind"], body["amount"], body["at"][:10]) == ("credit", 1857, "2026-03-01")
    refused = api.post(f"/api/v1/subscriptions/{stage.small.pk}/quantity/preview", {"quantity": 1},
                       content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "licenses_in_use"
    assert not CreditNote.objects.exists()
    subscription_cancel(actor=SYSTEM, subscription_id=stage.small.pk, reason="other", feedback="")
    body = api.post(f"/api/v1/subscriptions/{stage.small.pk}/reactivate/preview").json()
    assert (body["kind"], body["amount"]) == ("charge", 5000)
    assert Subscription.objects.get(pk=stage.small.pk).status == "disabled"
