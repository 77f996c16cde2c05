"""Defects found walking the admin center as a daily admin would; each test failed before its fix."""

from __future__ import annotations

import pytest
from django.test import Client

from browser.stage import PASSWORD, build_stage, build_trial_stage
from prorata.core.actor import SYSTEM
from prorata.subscriptions.services import subscription_cancel

pytestmark = pytest.mark.django_db


def signed_in(user, language: str | None = None) -> Client:
    client = Client(headers={"Accept-Language": language} if language else {})
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def stage():
    return build_stage()


def test_home_counts_assigned_and_purchased_over_the_same_subscriptions(stage):
    client = signed_in(stage.admin)
    assert "27 of 35 licenses assigned" in client.get("/").content.decode()
    # Cancelling E1 (2 of 5 assigned) takes both its figures away, not only the purchased one.
    subscription_cancel(actor=SYSTEM, subscription_id=stage.small.pk, reason="other", feedback="")
    page = client.get("/").content.decode()
    assert "25 of 30 licenses assigned" in page
    assert '<p class="big-number">1</p>' in page


def test_users_page_shows_no_license_of_a_cancelled_subscription(stage):
    client = signed_in(stage.admin)
    holder = stage.users[0]  # holds E3 and E1
    subscription_cancel(actor=SYSTEM, subscription_id=stage.small.pk, reason="other", feedback="")
    page = client.get("/users/").content.decode()
    row = page[page.index(f'value="{holder.pk}"'):]
    row = row[: row.index("</tr>")]
    assert "Office 365 E3" in row and "Office 365 E1" not in row


def test_a_billing_admin_blocked_from_cancelling_is_not_sent_to_a_page_they_cannot_open(stage):
    client = signed_in(stage.billing_admin)
    page = client.get(f"/billing/products/{stage.big.pk}/cancel/").content.decode()
    assert 'href="/users/"' not in page
    assert "Ask a global admin of your organization to unassign the license from 1 more user" in page
    assert f'href="mailto:{stage.admin.email}"' in page
    # A global admin still gets the link.
    assert 'href="/users/"' in signed_in(stage.admin).get(f"/billing/products/{stage.big.pk}/cancel/").content.decode()


def test_one_user_to_remove_is_not_called_users(stage):
    page = signed_in(stage.admin).get(f"/billing/products/{stage.big.pk}/cancel/").content.decode()
    assert "1 more users" not in page
    assert "(1 to go)" in page


def test_months_read_as_chinese_writes_them(stage):
    stage.admin.language = "zh-Hans"
    stage.admin.save(update_fields=["language"])
    page = signed_in(stage.admin).get("/billing/bills/").content.decode()
    assert "2026年2月" in page
    assert "二月 2026" not in page and "2月 2026" not in page


def test_the_help_page_spells_cancelling_as_the_rest_of_the_product(stage):
    page = signed_in(stage.admin).get("/help/cancel-subscription/").content.decode()
    assert "Cancelling your subscription?" in page and "Canceling" not in page


def test_a_trial_without_a_card_does_not_say_recurring_billing_on_beside_no_charge():
    _tenant, admin, trial = build_trial_stage()
    page = signed_in(admin).get(f"/billing/products/{trial.pk}/").content.decode()
    assert '<dd data-testid="recurring">Starts when you add a payment method</dd>' in page
    assert "without a payment method the trial ends on March 3, 2026 and nothing is charged" in page


def test_a_trial_with_a_card_cancel_page_has_no_refund_heading_when_nothing_is_refunded():
    from factories import make_card

    tenant, admin, trial = build_trial_stage()
    make_card(tenant)
    page = signed_in(admin).get(f"/billing/products/{trial.pk}/cancel/").content.decode()
    assert "Refund preview" not in page
    assert "Nothing is charged and nothing is refunded." in page


def test_the_cancel_page_names_the_card_the_refund_returns_to(stage):
    page = signed_in(stage.admin).get(f"/billing/products/{stage.small.pk}/cancel/").content.decode()
    assert '<dd data-testid="refund-card">VISA ending in 4242</dd>' in page



def test_the_users_page_says_unassign_for_licenses_and_remove_only_for_people(stage):
    client = signed_in(stage.admin)
    page = client.get("/users/").content.decode()
    assert '<button type="submit" name="action" value="remove" class="btn">Unassign licenses</button>' in page
    assert "Remove licenses" not in page
    assert f'Remove user<span class="visually-hidden"> {stage.users[0].display_name}</span>' in page
    confirm = client.get(f"/users/{stage.users[0].pk}/remove/").content.decode()
    assert "You can restore this user under Deleted users for 30 days" in confirm
    done = client.post("/licenses/", {"users": [stage.users[0].pk], "subscription": stage.small.pk, "action": "remove"}, follow=True)
    assert "A license was unassigned from 1 user." in done.content.decode()
