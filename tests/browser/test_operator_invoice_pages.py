"""Pay by invoice in the browser, in both languages: the operator's invoice page, the review of a
bank transfer and of a write-off, and the tenant's invoice with its due date pass axe-core, with
no English on the Chinese pages; nothing moves before the confirm."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.helpers import assert_no_english, axe_check, shot
from browser.stage import PASSWORD
from browser.test_pages import sign_in
from factories import make_clock, make_plan, make_product, make_tenant, make_user, utc
from prorata.billing.models import Invoice, Payment
from prorata.core.actor import SYSTEM
from prorata.subscriptions.services import invoice_payment_record, subscription_purchase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_operator_invoice_pages(page, language):
    chinese = language == "zh-Hans"
    tenant = make_tenant(name="示例科技有限公司" if chinese else "Contoso Ltd", language=language, currency="CNY",
                         country="CN", test_clock=make_clock(utc(2026, 4, 1, 2)), collection="send_invoice",
                         days_until_due=15)
    product = make_product(name="Suite E3", names={"zh-Hans": "套件 E3"})
    sub = subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=make_plan(product, currency="CNY").pk, quantity=3)
    invoice = Invoice.objects.get(subscription=sub)
    invoice_payment_record(actor=SYSTEM, invoice_id=invoice.pk, amount=1000, reference="BANK-1")
    tag = f"pay-by-invoice-{language}"

    admin = make_user(tenant, "global_admin", password=PASSWORD, email=f"admin@{language.lower()}-pbi.test",
                      display_name="管理员" if chinese else "Ada Admin", language=language)
    sign_in(page, admin.email)
    page.goto(f"/billing/bills/invoices/{invoice.pk}/")
    expect(page.get_by_test_id("invoice-due")).to_be_visible()
    axe_check(page)
    if chinese:
        assert_no_english(page)
    shot(page, f"{tag}-tenant-invoice")

    operator = make_user(None, "operator", password=PASSWORD, email=f"operator@{language.lower()}-pbi.test",
                         display_name="运营人员" if chinese else "Olga Operator", language=language)
    page.context.clear_cookies()
    sign_in(page, operator.email)
    page.goto(f"/operator/invoices/{invoice.pk}/")
    expect(page.get_by_test_id("operator-invoice-owed")).to_be_visible()
    axe_check(page)
    if chinese:
        assert_no_english(page)
    shot(page, f"{tag}-operator-invoice")

    page.locator("#transfer-amount").fill("20")
    page.locator("#transfer-reference").fill("BANK-2")
    page.locator("#transfer-reference").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("review-amount")).to_be_visible()
    axe_check(page)
    if chinese:
        assert_no_english(page)
    shot(page, f"{tag}-review-transfer")
    assert Payment.objects.filter(invoice=invoice).count() == 1  # nothing recorded before the confirm
    page.locator("form.actions button[type=submit]").click()
    expect(page.get_by_test_id("operator-invoice-owed")).to_be_visible()
    assert sorted(Payment.objects.filter(invoice=invoice).values_list("amount", flat=True)) == [1000, 2000]

    page.locator("button[value=mark_uncollectible]").click()
    expect(page.get_by_test_id("review-credit")).to_be_visible()
    axe_check(page)
    if chinese:
        assert_no_english(page)
    shot(page, f"{tag}-review-write-off")
    page.locator("form.actions button[type=submit]").click()
    expect(page.get_by_test_id("operator-invoice-status")).to_be_visible()
    axe_check(page)
    if chinese:
        assert_no_english(page)
    assert Invoice.objects.get(pk=invoice.pk).status == "uncollectible"
