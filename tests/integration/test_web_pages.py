"""Admin-center pages through Django's test client: access, refusals, every action, no 500."""

from __future__ import annotations

import pytest
from django.test import Client

from browser.stage import PASSWORD, build_stage, build_trial_stage
from factories import make_user
from prorata.licenses.models import License
from prorata.subscriptions.models import Subscription
from prorata.support.models import CallbackRequest
from prorata.tenants.models import User

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def confirmed(client: Client, url: str, data: dict):
    """Post an action that moves money through its review: the amount shown is the one confirmed."""
    import re

    review = client.post(url, data).content.decode()
    expected = re.search(r'name="expected" value="(-?\d+)"', review).group(1)
    return client.post(url, {**data, "confirm": "yes", "expected": expected}, follow=True)


@pytest.fixture
def stage():
    return build_stage()


def test_every_admin_page_renders(stage):
    client = signed_in(stage.admin)
    for path in [
        "/", "/users/", "/users/add/", f"/users/{stage.users[0].pk}/", f"/users/{stage.users[0].pk}/remove/",
        "/billing/products/", f"/billing/products/{stage.big.pk}/", f"/billing/products/{stage.big.pk}/cancel/",
        f"/billing/products/{stage.small.pk}/cancel/", "/billing/bills/", "/billing/payment-methods/",
        "/support/requests/", f"/support/requests/new/?subscription={stage.big.pk}", "/help/cancel-subscription/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)


def test_cancel_allowed_shows_the_credit_and_when_it_returns(stage):
    client = signed_in(stage.admin)
    page = client.get(f"/billing/products/{stage.small.pk}/cancel/").content.decode()
    # 5 licenses × $10.00 for February, 26 of 28 days unused: 5000 × 26 / 28 = 4642.86 → $46.43.
    assert '<dd data-testid="refund-amount">$46.43</dd>' in page
    assert '<dd data-testid="refund-date">March 1, 2026</dd>' in page
    assert 'href="/help/cancel-subscription/"' in page
    response = client.post(f"/billing/products/{stage.small.pk}/cancel/", {"reason": "too_expensive", "feedback": ""})
    assert response.status_code == 302 and response["Location"] == f"/billing/products/{stage.small.pk}/cancelled/"
    done = client.get(response["Location"]).content.decode()
    assert '<dd data-testid="credit-amount">$46.43</dd>' in done
    assert '<dd data-testid="credit-date">March 1, 2026</dd>' in done
    assert "was cancelled on February 3, 2026." in done
    sub = Subscription.objects.get(pk=stage.small.pk)
    assert (sub.status, sub.cancel_reason) == ("disabled", "too_expensive")


def test_cancel_refused_changes_nothing_and_says_why(stage):
    client = signed_in(stage.admin)
    response = client.post(f"/billing/products/{stage.big.pk}/cancel/", {"reason": "other"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "25 licenses of this subscription are assigned to users" in page
    assert '<dd data-testid="users-to-remove">1</dd>' in page
    assert f'href="/support/requests/new/?subscription={stage.big.pk}"' in page
    assert 'href="/users/"' in page
    assert Subscription.objects.get(pk=stage.big.pk).status == "active"


def test_cancel_with_a_reason_not_on_the_list_is_refused(stage):
    client = signed_in(stage.admin)
    response = client.post(f"/billing/products/{stage.small.pk}/cancel/", {"reason": "because"})
    assert response.status_code == 400
    assert Subscription.objects.get(pk=stage.small.pk).status == "active"


def test_a_trial_without_a_card_has_nothing_to_cancel():
    _tenant, admin, trial = build_trial_stage()
    client = signed_in(admin)
    page = client.get(f"/billing/products/{trial.pk}/cancel/").content.decode()
    assert "there is nothing to cancel" in page
    assert '<dd data-testid="trial-end">March 3, 2026</dd>' in page
    assert "Confirm cancellation" not in page
    response = client.post(f"/billing/products/{trial.pk}/cancel/", {"reason": "other"})
    assert response.status_code == 409
    assert Subscription.objects.get(pk=trial.pk).canceled_at is None


def test_settings_and_actions(stage):
    client = signed_in(stage.admin)
    detail = f"/billing/products/{stage.big.pk}/"
    client.post(f"{detail}recurring-billing/", {"enabled": "off"})
    assert Subscription.objects.get(pk=stage.big.pk).recurring_billing is False
    assert "Turn on recurring billing" in client.get(detail).content.decode()
    client.post(f"{detail}recurring-billing/", {"enabled": "on"})
    assert Subscription.objects.get(pk=stage.big.pk).recurring_billing is True

    response = confirmed(client, f"{detail}buy-licenses/", {"count": "2"})
    assert "The subscription now has 32 licenses." in response.content.decode()
    assert Subscription.objects.get(pk=stage.big.pk).quantity == 32
    response = client.post(f"{detail}remove-licenses/", {"count": "8"}, follow=True)
    assert Subscription.objects.get(pk=stage.big.pk).quantity == 32
    assert "Only 7 licenses are unassigned" in response.content.decode()
    confirmed(client, f"{detail}remove-licenses/", {"count": "6"})
    assert Subscription.objects.get(pk=stage.big.pk).quantity == 26
    for bad in ["0", "-3", "abc", ""]:
        client.post(f"{detail}buy-licenses/", {"count": bad})
    assert Subscription.objects.get(pk=stage.big.pk).quantity == 26


def test_users_add_assign_remove(stage):
    client = signed_in(stage.admin)
    response = client.post("/users/add/", {"display_name": "Nestor Wilke", "email": "nestor@contoso.test", "role": "user", "password": "", "language": "zh-Hans"})
    assert response.status_code == 302
    nestor = User.objects.get(email="nestor@contoso.test")
    assert (nestor.tenant_id, nestor.role, nestor.language) == (stage.tenant.pk, "user", "zh-Hans")
    again = client.post("/users/add/", {"display_name": "Nestor", "email": "nestor@contoso.test", "role": "user"})
    assert again.status_code == 200 and User.objects.filter(email="nestor@contoso.test").count() == 1

    ids = [nestor.pk, stage.users[10].pk, stage.users[11].pk]
    response = client.post("/licenses/", {"users": ids, "subscription": stage.small.pk, "action": "assign"}, follow=True)
    assert "Licenses were assigned to 3 users." in response.content.decode()
    assert License.objects.filter(subscription_id=stage.small.pk).count() == 5
    # The subscription is full: a sixth license is refused, with the reason, and nothing else changes.
    response = client.post("/licenses/", {"users": [stage.users[12].pk], "subscription": stage.small.pk, "action": "assign"}, follow=True)
    assert f"{stage.users[12].display_name}:" in response.content.decode()
    assert License.objects.filter(subscription_id=stage.small.pk).count() == 5
    client.post("/licenses/", {"users": ids[:2], "subscription": stage.small.pk, "action": "remove"})
    assert License.objects.filter(subscription_id=stage.small.pk).count() == 3

    page = client.get("/users/").content.decode()
    assert page.count('name="users"') == User.objects.filter(tenant=stage.tenant).count()
    client.post(f"/users/{stage.users[0].pk}/remove/")
    assert User.objects.get(pk=stage.users[0].pk).deleted_at is not None  # a deleted user, restorable
    assert License.objects.filter(user_id=stage.users[0].pk).count() == 0
    assert License.objects.filter(subscription_id=stage.big.pk).count() == 24


def test_payment_methods(stage):
    client = signed_in(stage.admin)
    first = stage.tenant.payment_methods.get()
    response = client.post("/billing/payment-methods/add/", {"card_number": "4000000000000002", "exp_month": "12", "exp_year": "2031", "cvc": "123"})
    assert response.status_code == 409
    assert stage.tenant.payment_methods.count() == 1
    response = client.post("/billing/payment-methods/add/", {"card_number": "5555 5555 5555 4444", "exp_month": "12", "exp_year": "2031", "cvc": "123"}, follow=True)
    assert "The card ending in 4444 was added." in response.content.decode()
    second = stage.tenant.payment_methods.get(last4="4444")
    assert second.is_default is False
    client.post(f"/billing/payment-methods/{second.pk}/default/")
    second.refresh_from_db()
    assert second.is_default is True
    client.post(f"/billing/payment-methods/{first.pk}/remove/")
    assert list(stage.tenant.payment_methods.values_list("last4", flat=True)) == ["4444"]


def test_bills_invoice_pdf_and_chart(stage):
    client = signed_in(stage.admin)
    page = client.get("/billing/bills/").content.decode()
    invoice = stage.big.invoices.get()
    assert invoice.number in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'role="img"' in page
    # February: 30 × $20.00 + 5 × $10.00 charged.
    assert "$650.00" in page
    detail = client.get(f"/billing/bills/invoices/{invoice.pk}/").content.decode()
    assert "$600.00" in detail
    pdf = client.get(f"/billing/bills/invoices/{invoice.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and invoice.number.encode() in pdf.content
    client.post("/language/", {"language": "zh-Hans"})
    pdf_zh = client.get(f"/billing/bills/invoices/{invoice.pk}/pdf/")
    assert pdf_zh.content.startswith(b"%PDF-") and b"FontFile2" in pdf_zh.content and b"STSong-Light" not in pdf_zh.content


def test_let_us_call_you_validates_the_phone_and_shows_the_status(stage):
    client = signed_in(stage.admin)
    url = f"/support/requests/new/?subscription={stage.big.pk}"
    bad = client.post(url, {"subscription": stage.big.pk, "phone": "12", "language": "en", "preferred_time": "any"})
    assert bad.status_code == 400 and "Enter a valid phone number" in bad.content.decode()
    assert not CallbackRequest.objects.exists()
    ok = client.post(url, {"subscription": stage.big.pk, "phone": "(415) 555-0100", "language": "zh-Hans", "preferred_time": "afternoon", "note": "Call me"})
    cb = CallbackRequest.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/support/requests/{cb.pk}/"
    assert (cb.phone, cb.language, cb.status) == ("+14155550100", "zh-Hans", "open")
    status = client.get(ok["Location"]).content.decode()
    assert "Afternoon (12:00–17:00)" in status and "Open" in status


def test_no_500_on_nonsense(stage):
    client = signed_in(stage.admin)
    for path in ["/billing/products/nope/", "/billing/bills/invoices/nope/pdf/", "/users/nope/", "/support/requests/nope/", "/support/requests/new/"]:
        assert client.get(path).status_code == 404, path
    assert client.post("/licenses/", {"action": "explode"}).status_code == 302
    assert client.post(f"/billing/products/{stage.big.pk}/recurring-billing/", {"enabled": "maybe"}).status_code == 302
    assert Subscription.objects.get(pk=stage.big.pk).recurring_billing is True


def test_the_support_queue_is_oldest_first_and_one_engineer_works_a_request(stage):
    from prorata.support.services import callback_request_create
    from prorata.tenants.models import TestClock
    from prorata.web.actors import actor_for

    first = callback_request_create(actor=actor_for(stage.admin), subscription_id=stage.big.pk, phone="+14155550100", language="en")
    TestClock.objects.filter(pk=stage.clock.pk).update(frozen_time=stage.clock.frozen_time.replace(day=4))
    second = callback_request_create(actor=actor_for(stage.admin), subscription_id=stage.small.pk, phone="+14155550101", language="en")
    sam = make_user(None, "support_engineer", password=PASSWORD, display_name="Sam")
    kim = make_user(None, "support_engineer", password=PASSWORD, display_name="Kim")
    page = signed_in(sam).get("/support/console/").content.decode()
    assert page.index(first.pk) < page.index(second.pk)
    signed_in(sam).post(f"/support/console/{first.pk}/claim/")
    kim_client = signed_in(kim)
    refused = kim_client.post(f"/support/console/{first.pk}/claim/", follow=True).content.decode()
    assert "Another support engineer is working on this request." in refused
    assert "Record the outcome" not in refused and "Cancel on the customer" not in refused
    first.refresh_from_db()
    assert (first.status, first.claimed_by_id) == ("in_progress", sam.pk)


def test_a_cancelled_subscription_can_be_reactivated(stage):
    client = signed_in(stage.admin)
    client.post(f"/billing/products/{stage.small.pk}/cancel/", {"reason": "other"})
    detail = client.get(f"/billing/products/{stage.small.pk}/").content.decode()
    assert "Reactivate" in detail and "Cancel subscription" not in detail
    response = confirmed(client, f"/billing/products/{stage.small.pk}/reactivate/", {})
    assert "The subscription is active again." in response.content.decode()
    sub = Subscription.objects.get(pk=stage.small.pk)
    assert (sub.status, sub.canceled_at) == ("active", None)


def test_a_user_sees_their_own_licenses_on_home(stage):
    person = stage.users[0]
    person.set_password(PASSWORD)
    person.save()
    page = signed_in(person).get("/").content.decode()
    assert "<li>Office 365 E3</li>" in page and "<li>Office 365 E1</li>" in page
    assert "Products &amp; services" not in page and 'href="/users/"' not in page
