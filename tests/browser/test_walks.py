"""Walks through the admin center as a new admin would, in English and in Chinese, and through
the support console; axe-core checks every page on the way, and screenshots are kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser.helpers import assert_no_english, axe_check, shot
from browser.stage import PASSWORD, build_stage, build_trial_stage
from factories import make_user
from prorata.subscriptions.models import Subscription
from prorata.support.models import CallbackRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(pg, email: str, *, email_label: str = "Email address", password_label: str = "Password", button: str = "Sign in") -> None:
    pg.goto("/signin/")
    pg.get_by_label(email_label).fill(email)
    pg.get_by_label(password_label).fill(PASSWORD)
    pg.get_by_role("button", name=button, exact=True).click()


def visit(pg, name: str, *, chinese: bool = False) -> None:
    """Every page on a walk: accessible, and in the Chinese walk without English."""
    axe_check(pg)
    if chinese:
        assert_no_english(pg)
    shot(pg, name)


def test_admin_cancels_after_removing_a_user(page):
    stage = build_stage()
    pg = page
    pg.goto("/signin/")
    visit(pg, "en-00-sign-in")
    sign_in(pg, stage.admin.email)
    expect(pg.get_by_role("heading", level=1)).to_have_text("Welcome, Megan Bowen")
    visit(pg, "en-01-home")

    pg.get_by_role("navigation", name="Main").get_by_role("link", name="Products & services").click()
    expect(pg.get_by_role("heading", level=1)).to_have_text("Products & services")
    row = pg.get_by_role("row").filter(has_text="Office 365 E3")
    expect(row).to_contain_text("25 / 30")
    expect(row).to_contain_text("March 1, 2026 · $600.00")
    visit(pg, "en-02-products")

    pg.get_by_role("link", name="Office 365 E3").click()
    expect(pg.get_by_role("heading", name="Settings & Actions")).to_be_visible()
    visit(pg, "en-03-details")
    pg.get_by_role("link", name="Cancel subscription").click()
    expect(pg.get_by_role("heading", name="This subscription can't be cancelled online")).to_be_visible()
    expect(pg.get_by_test_id("assigned")).to_have_text("25")
    expect(pg.get_by_test_id("limit")).to_have_text("24")
    expect(pg.get_by_test_id("users-to-remove")).to_have_text("1")
    expect(pg.locator("main")).to_contain_text("Unassign licenses until no more than 24 are assigned (1 to go)")
    expect(pg.get_by_role("link", name="Let us call you")).to_be_visible()
    expect(pg.get_by_role("link", name="Learn more")).to_have_attribute("href", "/help/cancel-subscription/")
    visit(pg, "en-04-cancel-blocked")

    pg.get_by_role("link", name="Remove users").click()
    expect(pg.get_by_role("heading", level=1)).to_have_text("Active users")
    visit(pg, "en-05-users")
    pg.get_by_role("link", name="Remove user Person 00").click()
    visit(pg, "en-06-remove-user")
    pg.get_by_role("button", name="Remove user").click()
    expect(pg.get_by_role("status")).to_contain_text("Person 00 was removed and their licenses are free again.")

    pg.get_by_role("navigation", name="Main").get_by_role("link", name="Products & services").click()
    expect(pg.get_by_role("row").filter(has_text="Office 365 E3")).to_contain_text("24 / 30")
    pg.get_by_role("link", name="Office 365 E3").click()
    pg.get_by_role("link", name="Cancel subscription").click()
    # 30 licenses × $20.00 paid for February; 26 of its 28 days unused: $557.14.
    expect(pg.get_by_test_id("refund-amount")).to_have_text("$557.14")
    expect(pg.get_by_test_id("refund-date")).to_have_text("March 1, 2026")
    visit(pg, "en-07-cancel-allowed")
    shot(pg, "en-07-cancel-allowed", readme_name="cancel-flow-en.png")
    pg.get_by_label("We no longer need it").check()
    pg.get_by_label(re.compile("Anything else")).fill("We are consolidating our tools.")
    pg.get_by_role("button", name="Confirm cancellation").click()

    expect(pg.get_by_role("heading", level=1)).to_have_text("Subscription cancelled")
    expect(pg.get_by_test_id("credit-amount")).to_have_text("$557.14")
    expect(pg.get_by_test_id("credit-date")).to_have_text("March 1, 2026")
    visit(pg, "en-08-cancelled")
    pg.get_by_role("link", name="Go to Bills & payments").click()
    note = pg.get_by_test_id("credit-note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("$557.14")
    expect(note).to_contain_text("Cancellation")
    expect(note).to_contain_text("returned by March 1, 2026")
    expect(pg.locator("svg.chart")).to_be_visible()
    visit(pg, "en-09-bills")

    sub = Subscription.objects.get(pk=stage.big.pk)
    assert (sub.status, sub.cancel_reason, sub.cancel_feedback) == ("disabled", "no_longer_needed", "We are consolidating our tools.")


def test_the_same_walk_in_chinese(page):
    stage = build_stage(language="zh-Hans", name="示例科技有限公司", email_domain="example-cn.test")
    pg = page
    pg.goto("/signin/")
    pg.get_by_label("Language").select_option("zh-Hans")
    pg.get_by_role("button", name="Change language").click()
    expect(pg.get_by_role("heading", level=1)).to_have_text("登录")
    visit(pg, "zh-00-sign-in", chinese=True)
    sign_in(pg, stage.admin.email, email_label="电子邮件地址", password_label="密码", button="登录")
    expect(pg.get_by_role("heading", level=1)).to_have_text("欢迎，王芳")
    visit(pg, "zh-01-home", chinese=True)

    pg.get_by_role("navigation", name="主导航").get_by_role("link", name="产品和服务", exact=True).click()
    row = pg.get_by_role("row").filter(has_text="企业办公套件 E3")
    expect(row).to_contain_text("25 / 30")
    visit(pg, "zh-02-products", chinese=True)
    pg.get_by_role("link", name="企业办公套件 E3").click()
    expect(pg.get_by_role("heading", name="设置和操作")).to_be_visible()
    visit(pg, "zh-03-details", chinese=True)
    pg.get_by_role("link", name="取消订阅", exact=True).click()
    expect(pg.get_by_role("heading", name="无法在线取消此订阅")).to_be_visible()
    expect(pg.get_by_test_id("users-to-remove")).to_have_text("1")
    visit(pg, "zh-04-cancel-blocked", chinese=True)

    pg.get_by_role("link", name="删除用户").click()
    expect(pg.get_by_role("heading", level=1)).to_have_text("活跃用户")
    visit(pg, "zh-05-users", chinese=True)
    pg.get_by_role("link", name="删除用户 员工00").click()
    visit(pg, "zh-06-remove-user", chinese=True)
    pg.get_by_role("button", name="删除用户").click()
    expect(pg.get_by_role("status")).to_contain_text("员工00")

    pg.get_by_role("link", name="产品和服务", exact=True).click()
    pg.get_by_role("link", name="企业办公套件 E3").click()
    pg.get_by_role("link", name="取消订阅", exact=True).click()
    expect(pg.get_by_test_id("refund-amount")).to_have_text("US$557.14")
    expect(pg.get_by_test_id("refund-date")).to_have_text("2026年3月1日")
    visit(pg, "zh-07-cancel-allowed", chinese=True)
    shot(pg, "zh-07-cancel-allowed", readme_name="cancel-flow-zh-Hans.png")
    pg.get_by_label("我们不再需要它").check()
    pg.get_by_role("button", name="确认取消").click()

    expect(pg.get_by_role("heading", level=1)).to_have_text("订阅已取消")
    expect(pg.get_by_test_id("credit-amount")).to_have_text("US$557.14")
    visit(pg, "zh-08-cancelled", chinese=True)
    pg.get_by_role("link", name="转到“账单和付款”").click()
    expect(pg.get_by_test_id("credit-note")).to_contain_text("US$557.14")
    visit(pg, "zh-09-bills", chinese=True)


def test_a_trial_has_nothing_to_cancel(page):
    _tenant, admin, _trial = build_trial_stage()
    pg = page
    sign_in(pg, admin.email)
    pg.get_by_role("navigation", name="Main").get_by_role("link", name="Products & services").click()
    expect(pg.get_by_role("row").filter(has_text="Project Plan 3")).to_contain_text("Trial ends March 3, 2026")
    pg.get_by_role("link", name="Project Plan 3").click()
    pg.get_by_role("link", name="Cancel subscription").click()
    expect(pg.get_by_role("heading", name="Nothing to cancel")).to_be_visible()
    expect(pg.get_by_test_id("trial-end")).to_have_text("March 3, 2026")
    expect(pg.locator("main")).to_contain_text("there is nothing to cancel")
    expect(pg.get_by_role("button", name="Confirm cancellation")).to_have_count(0)
    visit(pg, "trial-nothing-to-cancel")


def test_support_engineer_claims_a_callback_and_cancels_on_behalf(page):
    stage = build_stage()
    engineer = make_user(None, "support_engineer", password=PASSWORD, email="engineer@prorata.test", display_name="Support Sam")
    pg = page
    sign_in(pg, stage.admin.email)
    pg.goto(f"/billing/products/{stage.big.pk}/cancel/")
    pg.get_by_role("link", name="Let us call you").click()
    visit(pg, "support-00-let-us-call-you")
    pg.get_by_label("Phone number").fill("+1 415 555 0100")
    pg.get_by_label("Best time to call").select_option("morning")
    pg.get_by_label(re.compile("What should we know")).fill("We have 25 users and want to stop.")
    pg.get_by_role("button", name="Ask for a call").click()
    expect(pg.get_by_test_id("callback-status")).to_have_text("Open")
    visit(pg, "support-01-request-status")
    pg.get_by_role("button", name="Sign out").click()

    sign_in(pg, engineer.email)
    expect(pg.get_by_role("heading", level=1)).to_have_text("Callback queue")
    visit(pg, "support-02-queue")
    pg.get_by_role("row").filter(has_text="Contoso Ltd").get_by_role("link").click()
    expect(pg.locator("main")).to_contain_text("25 assigned of 30 purchased")
    pg.get_by_role("button", name="Claim").click()
    expect(pg.get_by_test_id("callback-status")).to_have_text("In progress")
    expect(pg.locator("main")).to_contain_text("Support Sam")
    visit(pg, "support-03-claimed")
    # The refund is shown before the engineer cancels: 30 × $20.00, 26 of 28 days unused.
    expect(pg.get_by_test_id("refund-amount")).to_have_text("$557.14")
    pg.get_by_label("Why is the customer cancelling?").select_option("too_expensive")
    pg.get_by_label("Note for the record").fill("Spoke with Megan Bowen; she confirmed the cancellation.")
    pg.get_by_role("button", name="Cancel subscription").click()
    expect(pg.get_by_role("status")).to_contain_text("cancelled on the customer's behalf")
    expect(pg.get_by_test_id("callback-status")).to_have_text("Resolved")
    visit(pg, "support-04-cancelled-on-behalf")

    sub = Subscription.objects.get(pk=stage.big.pk)
    assert (sub.status, sub.cancel_assisted, sub.canceled_by) == ("disabled", True, f"user:{engineer.pk}")
    assert sub.cancel_reason == "too_expensive"
    assert CallbackRequest.objects.get(subscription=sub).outcome == "cancelled_on_behalf"
