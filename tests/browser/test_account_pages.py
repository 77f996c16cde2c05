"""Home's to-do list, Billing › Billing account and the invoice with the billing profile: axe-core
in both languages, no English on the Chinese pages, screenshots on a desktop (1366 × 900) and on a
phone (390 × 844), and the profile saved and refused without JavaScript."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from browser.helpers import assert_no_english, axe_check, shot
from browser.stage import build_stage
from browser.test_pages import sign_in
from factories import make_plan, make_product
from prorata.core.actor import SYSTEM
from prorata.licenses.services import license_assign
from prorata.subscriptions.services import subscription_cancel, subscription_purchase
from prorata.support.services import callback_request_create
from prorata.tenants.models import PaymentMethod, TestClock, User
from prorata.tenants.services import billing_profile_update, test_clock_advance
from prorata.web.actors import actor_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def account_stage(language: str):
    chinese = language == "zh-Hans"
    stage = build_stage(language=language, name="示例科技有限公司" if chinese else "Contoso Ltd",
                        email_domain=f"account-{language.lower()}.test")
    User.objects.filter(pk=stage.admin.pk).update(language=language)
    # Credit kept as balance, then spent on the renewals: a history with every kind of row.
    product = make_product(name="Visio Plan 2", names={"zh-Hans": "绘图 2"})
    plan = make_plan(product=product, unit_amount=2800, credit_settlement="keep_as_balance")
    sub = subscription_purchase(actor=SYSTEM, tenant_id=stage.tenant.pk, plan_id=plan.pk, quantity=1)
    subscription_cancel(actor=SYSTEM, subscription_id=sub.pk, reason="other", feedback="")
    clock = TestClock.objects.get(pk=stage.clock.pk)
    test_clock_advance(actor=SYSTEM, clock_id=clock.pk, to=clock.frozen_time + timedelta(days=40))
    # Something to do: a card about to expire, no E1 license left, a callback waiting.
    PaymentMethod.objects.filter(tenant=stage.tenant).update(exp_month=3, exp_year=2026)
    for person in stage.users[2:5]:
        license_assign(actor=SYSTEM, subscription_id=stage.small.pk, user_id=person.pk)
    callback_request_create(actor=actor_for(stage.admin), subscription_id=stage.big.pk, phone="+14255550100",
                            language=language)
    billing_profile_update(actor=SYSTEM, tenant_id=stage.tenant.pk,
                           legal_name="示例科技有限公司" if chinese else "Contoso Pharmaceuticals Ltd",
                           address_line1="朝阳区建国路 1 号" if chinese else "1 Microsoft Way",
                           city="北京" if chinese else "Redmond", region="" if chinese else "WA",
                           postal_code="100022" if chinese else "98052", country="CN" if chinese else "US",
                           tax_id="91110000600037341L" if chinese else "")
    return stage


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_home_billing_account_and_invoice_are_accessible_in_both_languages(chromium, live_server, language, size):
    chinese = language == "zh-Hans"
    stage = account_stage(language)
    context = chromium.new_context(viewport=SIZES[size], is_mobile=size == "phone", base_url=live_server.url)
    pg = context.new_page()
    try:
        sign_in(pg, stage.admin.email)
        invoice = stage.big.invoices.order_by("issued_at").last()
        for name, path in [("home-todo", "/"), ("billing-account", "/billing/account/"),
                           ("invoice-profile", f"/billing/bills/invoices/{invoice.pk}/")]:
            pg.goto(path)
            axe_check(pg)
            if chinese:
                assert_no_english(pg)
            if size == "phone":
                assert pg.evaluate("() => document.documentElement.scrollWidth") <= SIZES["phone"]["width"], path
            readme = f"{name}-{language}.png" if size == "desktop" and name != "invoice-profile" else None
            shot(pg, f"{'phone' if size == 'phone' else 'pages'}-{language}-{name}", readme)
        pg.goto("/")
        items = pg.locator(".todo-item")
        expect(items).to_have_count(3)
        # Each item leads to where it is fixed.
        pg.locator(".todo-item[data-kind=licenses_running_out] a").click()
        expect(pg).to_have_url(f"{live_server.url}/billing/products/{stage.small.pk}/#buy-count")
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_the_billing_profile_is_refused_under_its_field_and_then_saved(page, language):
    chinese = language == "zh-Hans"
    stage = account_stage(language)
    sign_in(page, stage.admin.email)
    page.goto("/billing/account/")
    page.locator("#id_country").select_option("CN")
    page.locator("#id_tax_id").fill("911100006000373410")
    page.get_by_role("button", name="保存计费资料" if chinese else "Save billing profile").click()
    error = page.locator("#id_tax_id ~ .errorlist")
    expect(error).to_contain_text("不是所选国家或地区的有效税号" if chinese else "is not a valid tax id for the chosen country")
    axe_check(page)
    if chinese:
        assert_no_english(page)
    shot(page, f"pages-{language}-billing-profile-refused")
    page.locator("#id_tax_id").fill("91110000600037341L")
    page.get_by_role("button", name="保存计费资料" if chinese else "Save billing profile").click()
    expect(page.locator(".notice-success")).to_be_visible()
    expect(page.locator("#id_tax_id")).to_have_value("91110000600037341L")
