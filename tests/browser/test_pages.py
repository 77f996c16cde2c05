"""Every page of the admin center and the console passes axe-core, in English and in Chinese
(without English words), on a desktop and on a phone; every action works without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser.helpers import assert_no_english, axe_check, shot
from browser.stage import PASSWORD, build_stage
from factories import make_user
from prorata.subscriptions.models import Subscription
from prorata.support.services import callback_request_create
from prorata.web.actors import actor_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(pg, email: str) -> None:
    pg.goto("/signin/")
    pg.locator("#id_username").fill(email)
    pg.locator("#id_password").fill(PASSWORD)
    pg.locator("form[action='/signin/'] button[type=submit]").click()
    expect(pg).not_to_have_url(re.compile("/signin/"))


def admin_pages(stage) -> list[tuple[str, str]]:
    invoice = stage.big.invoices.get()
    return [
        ("home", "/"),
        ("users", "/users/"),
        ("user-add", "/users/add/"),
        ("user-detail", f"/users/{stage.users[3].pk}/"),
        ("user-remove", f"/users/{stage.users[3].pk}/remove/"),
        ("products", "/billing/products/"),
        ("details", f"/billing/products/{stage.small.pk}/"),
        ("cancel-allowed", f"/billing/products/{stage.small.pk}/cancel/"),
        ("cancel-blocked", f"/billing/products/{stage.big.pk}/cancel/"),
        ("bills", "/billing/bills/"),
        ("invoice", f"/billing/bills/invoices/{invoice.pk}/"),
        ("payment-methods", "/billing/payment-methods/"),
        ("billing-notifications", "/billing/notifications/"),
        ("support-requests", "/support/requests/"),
        ("let-us-call-you", f"/support/requests/new/?subscription={stage.big.pk}"),
        ("help", "/help/cancel-subscription/"),
        ("not-found", "/billing/products/sub_nothing/"),
    ]


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_every_admin_page_is_accessible(page, language):
    chinese = language == "zh-Hans"
    stage = build_stage(language=language, name="示例科技有限公司" if chinese else "Contoso Ltd",
                        email_domain=f"{language.lower()}.test")
    sign_in(page, stage.admin.email)
    for name, path in admin_pages(stage):
        page.goto(path)
        axe_check(page)
        if chinese:
            assert_no_english(page)
        shot(page, f"pages-{language}-{name}")


def test_public_pages_and_refusals_are_accessible(page):
    stage = build_stage()
    for name, path in [("sign-in", "/signin/"), ("password-reset", "/password-reset/"),
                       ("password-reset-sent", "/password-reset/sent/"),
                       ("password-reset-bad-link", "/password-reset/MQ/bad-token/"), ("help", "/help/cancel-subscription/")]:
        page.goto(path)
        axe_check(page)
        shot(page, f"public-{name}")
    sign_in(page, stage.plain_user.email)
    axe_check(page)
    shot(page, "user-home")
    response = page.goto("/billing/products/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You don't have access to this page")
    axe_check(page)


def test_the_support_console_is_accessible_in_chinese(page):
    stage = build_stage(language="zh-Hans", name="示例科技有限公司", email_domain="example-cn.test")
    engineer = make_user(None, "support_engineer", password=PASSWORD, email="engineer@prorata.test",
                         display_name="支持工程师", language="zh-Hans")
    cb = callback_request_create(actor=actor_for(stage.admin), subscription_id=stage.big.pk, phone="+14155550100", language="zh-Hans", preferred_time="morning")
    sign_in(page, engineer.email)
    for name, path in [("queue", "/support/console/"), ("request", f"/support/console/{cb.pk}/")]:
        page.goto(path)
        axe_check(page)
        assert_no_english(page)
        shot(page, f"console-zh-{name}")
    page.get_by_role("button", name="认领").click()
    axe_check(page)
    assert_no_english(page)
    shot(page, "console-zh-claimed")


def test_on_a_phone(chromium, live_server):
    stage = build_stage()
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, base_url=live_server.url)
    pg = context.new_page()
    try:
        sign_in(pg, stage.admin.email)
        pg.goto(f"/billing/products/{stage.big.pk}/cancel/")
        axe_check(pg)
        # Nothing wider than the screen: no sideways scrolling.
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390
        shot(pg, "phone-cancel-blocked")
    finally:
        context.close()


def test_every_action_works_without_javascript(chromium, live_server):
    stage = build_stage()
    context = chromium.new_context(java_script_enabled=False, base_url=live_server.url)
    pg = context.new_page()
    try:
        sign_in(pg, stage.admin.email)
        pg.goto(f"/billing/products/{stage.small.pk}/")
        pg.get_by_role("button", name="Turn off recurring billing").click()
        expect(pg.get_by_role("status")).to_contain_text("Recurring billing is off.")
        pg.get_by_label("Buy licenses").fill("3")
        pg.get_by_role("button", name="Buy licenses").click()
        # The review: 3 × $10.00 for 26 of 28 days = $27.86, on the card, before anything moves.
        expect(pg.get_by_test_id("review-amount")).to_have_text("$27.86")
        expect(pg.get_by_test_id("review-card")).to_have_text("VISA ending in 4242")
        assert Subscription.objects.get(pk=stage.small.pk).quantity == 5
        shot(pg, "review-buy-licenses")
        pg.get_by_role("button", name="Confirm and pay $27.86").click()
        expect(pg.get_by_role("status")).to_contain_text("The subscription now has 8 licenses.")
        pg.get_by_role("link", name="Cancel subscription").click()
        pg.get_by_label("It costs too much").check()
        pg.get_by_role("button", name="Confirm cancellation").click()
        expect(pg.get_by_role("heading", level=1)).to_have_text("Subscription cancelled")
        sub = Subscription.objects.get(pk=stage.small.pk)
        assert (sub.status, sub.quantity, sub.cancel_reason) == ("disabled", 8, "too_expensive")
    finally:
        context.close()
