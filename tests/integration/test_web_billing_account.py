"""Billing › Billing account (credit balance and its history, billing profile, who receives
billing notices) and Home's to-do list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from browser.stage import PASSWORD, build_stage, build_trial_stage
from factories import make_plan, make_product, make_user
from prorata.audit.models import AuditEvent
from prorata.core.actor import SYSTEM
from prorata.subscriptions.services import subscription_cancel, subscription_purchase
from prorata.tenants.models import BillingProfile, PaymentMethod, TestClock
from prorata.tenants.services import test_clock_advance

pytestmark = pytest.mark.django_db


def signed_in(user, language: str | None = None) -> Client:
    from prorata.tenants.models import User

    # The page's language is the person's own choice first (SPEC §7).
    User.objects.filter(pk=user.pk).update(language=language or "")
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def stage():
    return build_stage()


PROFILE = {"legal_name": "Contoso Pharmaceuticals Ltd", "address_line1": "1 Microsoft Way", "address_line2": "",
           "city": "Redmond", "region": "WA", "postal_code": "98052", "country": "DE", "tax_id": "DE 136 695 976"}


def test_a_billing_admin_saves_the_billing_profile_and_it_is_audited(stage):
    client = signed_in(stage.billing_admin)
    response = client.post("/billing/account/", PROFILE)
    assert response.status_code == 302
    profile = BillingProfile.objects.get(tenant=stage.tenant)
    assert (profile.legal_name, profile.country, profile.tax_id) == ("Contoso Pharmaceuticals Ltd", "DE", "DE136695976")
    assert AuditEvent.objects.filter(action="billing_profile.updated", tenant_id=stage.tenant.pk).count() == 1
    page = client.get("/billing/account/").content.decode()
    assert 'value="Contoso Pharmaceuticals Ltd"' in page and 'value="DE136695976"' in page


@pytest.mark.parametrize(("change", "field", "english", "chinese"), [
    ({"tax_id": "DE 136 695 977"}, "tax_id", "is not a valid tax id for the chosen country", "不是所选国家或地区的有效税号"),
    ({"legal_name": ""}, "legal_name", "Enter the legal name that invoices are made out to.", "请输入发票抬头的法定名称"),
    ({"country": "XX"}, "country", "Select a valid choice", "选择一个有效的选项"),
])
def test_an_invalid_profile_is_refused_per_field_in_both_languages_and_changes_nothing(stage, change, field, english, chinese):
    for language, words in (("en", english), ("zh-Hans", chinese)):
        response = signed_in(stage.billing_admin, language).post("/billing/account/", {**PROFILE, **change})
        assert response.status_code == 400
        page = response.content.decode()
        assert words in page
        # The message is under its own field, and the form keeps what was typed.
        assert page.index(f'id="id_{field}"') < page.index(words)
        assert 'value="Redmond"' in page
    assert not BillingProfile.objects.filter(tenant=stage.tenant).exists()


def test_a_plain_user_cannot_open_the_billing_account(stage):
    client = signed_in(stage.plain_user)
    assert client.get("/billing/account/").status_code == 403
    assert client.post("/billing/account/", PROFILE).status_code == 403
    assert not BillingProfile.objects.exists()


def test_the_credit_balance_and_its_history_are_shown(stage):
    product = make_product(name="Visio Plan 2", names={"zh-Hans": "绘图 2"})
    plan = make_plan(product=product, unit_amount=2800, credit_settlement="keep_as_balance")
    sub = subscription_purchase(actor=SYSTEM, tenant_id=stage.tenant.pk, plan_id=plan.pk, quantity=1)
    subscription_cancel(actor=SYSTEM, subscription_id=sub.pk, reason="other", feedback="")
    clock = TestClock.objects.get(pk=stage.clock.pk)
    test_clock_advance(actor=SYSTEM, clock_id=clock.pk, to=clock.frozen_time + timedelta(days=40))
    stage.tenant.refresh_from_db()
    page = signed_in(stage.admin).get("/billing/account/").content.decode()
    from prorata.billing.models import CreditApplication, CreditNote

    note = CreditNote.objects.get(subscription=sub)
    assert f"Credit note {note.number} issued" in page
    assert f"Credit note {note.number} added to the credit balance" in page
    # The renewals at the period end took the balance; every row that moved it shows the balance after.
    spent = CreditApplication.objects.filter(tenant=stage.tenant, credit_note__isnull=True)
    assert spent.exists()
    assert "Credit balance applied to invoice" in page
    from prorata.core.money import format_money

    assert f'data-testid="credit-balance">{format_money(stage.tenant.credit_balance, "USD", "en")}<' in page


def test_who_receives_billing_notices_links_to_their_settings(stage):
    page = signed_in(stage.admin).get("/billing/account/").content.decode()
    assert 'href="/billing/notifications/"' in page
    assert "Who receives billing notices" in page


def test_home_lists_what_needs_doing_each_with_where_it_is_fixed(stage):
    client = signed_in(stage.admin)
    page = client.get("/").content.decode()
    assert "Nothing needs your attention." in page
    # A card that expires within weeks, licenses running out, a callback waiting.
    PaymentMethod.objects.filter(tenant=stage.tenant).update(exp_month=2, exp_year=2026)
    from prorata.licenses.services import license_assign

    for person in stage.users[2:5]:
        license_assign(actor=SYSTEM, subscription_id=stage.small.pk, user_id=person.pk)
    from prorata.support.services import callback_request_create
    from prorata.web.actors import actor_for

    callback = callback_request_create(actor=actor_for(stage.admin), subscription_id=stage.big.pk, phone="+14255550100",
                                       language="en")
    page = client.get("/").content.decode()
    assert "The card VISA •••• 4242 expires at the end of 02/2026." in page
    assert "All 5 licenses of Office 365 E1 are assigned." in page
    assert f'href="/billing/products/{stage.small.pk}/#buy-count"' in page
    assert "Your callback request about Office 365 E3 is waiting for a support engineer." in page
    assert f'href="/support/requests/{callback.pk}/"' in page
    # Past the card's expiry it is an alert.
    PaymentMethod.objects.filter(tenant=stage.tenant).update(exp_month=1, exp_year=2026)
    page = client.get("/").content.decode()
    assert "The card VISA •••• 4242 has expired." in page


def test_home_tells_of_a_failed_payment_and_a_trial_ending():
    tenant, admin, trial = build_trial_stage()
    TestClock.objects.filter(pk=tenant.test_clock_id).update(frozen_time=trial.trial_end - timedelta(days=3))
    page = signed_in(admin).get("/").content.decode()
    assert "The trial of Project Plan 3 ends on" in page and "Add a payment method to keep it." in page
    from prorata.subscriptions.models import Subscription

    Subscription.objects.filter(pk=trial.pk).update(status="past_due")
    page = signed_in(admin).get("/").content.decode()
    assert "The payment for Project Plan 3 failed." in page
    assert 'href="/billing/payment-methods/"' in page


def test_home_to_do_in_chinese(stage):
    PaymentMethod.objects.filter(tenant=stage.tenant).update(exp_month=1, exp_year=2026)
    make_user(stage.tenant, "user")
    page = signed_in(stage.admin, "zh-Hans").get("/").content.decode()
    assert "待办事项" in page and "已过期" in page


def test_the_billing_profile_api_reads_and_replaces_it_with_the_same_rules(stage):
    from conftest import ApiClient
    from factories import make_api_key

    _, secret = make_api_key(stage.tenant)
    client = ApiClient(secret)
    path = f"/tenants/{stage.tenant.pk}/billing_profile"
    assert client.get(path).json()["legal_name"] == ""
    response = client.post(path, {**PROFILE, "tax_id": "DE 136 695 977"}, headers={"Accept-Language": "zh-Hans"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_tax_id" and error["details"]["field"] == "tax_id" and "税号" in error["message"]
    assert not BillingProfile.objects.exists()
    response = client.post(path, PROFILE)
    assert response.status_code == 200 and response.json()["tax_id"] == "DE136695976"
    assert client.get(path).json()["city"] == "Redmond"
    # Another tenant's profile is not found, and not changed.
    other, other_secret = make_api_key(build_trial_stage(email="x@fabrikam.test")[0])
    assert ApiClient(other_secret).post(path, PROFILE).status_code == 404
