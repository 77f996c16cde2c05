"""The review step before money moves, in both languages and on a phone: accessible (axe-core),
no English on the Chinese pages, nothing wider than the screen, and nothing charged before the
confirm."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.helpers import assert_no_english, axe_check, shot
from browser.stage import build_stage
from browser.test_pages import sign_in
from prorata.billing.models import Invoice
from prorata.core.actor import SYSTEM
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import subscription_cancel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_review_pages(chromium, live_server, language, phone):
    chinese = language == "zh-Hans"
    stage = build_stage(language=language, name="示例科技有限公司" if chinese else "Contoso Ltd",
                        email_domain=f"review-{language.lower()}-{int(phone)}.test")
    size = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
    context = chromium.new_context(viewport=size, is_mobile=phone, base_url=live_server.url)
    pg = context.new_page()
    tag = f"review-{language}-{'phone' if phone else 'desktop'}"
    try:
        sign_in(pg, stage.admin.email)
        invoices = Invoice.objects.count()
        for name, count_label, count in [("buy", "#buy-count", "3"), ("remove", "#remove-count", "2")]:
            pg.goto(f"/billing/products/{stage.small.pk}/")
            pg.locator(count_label).fill(count)
            pg.locator(count_label).locator("xpath=ancestor::form").locator("button[type=submit]").click()
            expect(pg.get_by_test_id("review-amount")).to_be_visible()
            axe_check(pg)
            if chinese:
                assert_no_english(pg)
            if phone:
                assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390
            shot(pg, f"{tag}-{name}")
        assert Invoice.objects.count() == invoices
        assert Subscription.objects.get(pk=stage.small.pk).quantity == 5
        subscription_cancel(actor=SYSTEM, subscription_id=stage.small.pk, reason="other", feedback="")
        pg.goto(f"/billing/products/{stage.small.pk}/")
        pg.locator("form[action$='/reactivate/'] button[type=submit]").click()
        expect(pg.get_by_test_id("review-period")).to_be_visible()
        axe_check(pg)
        if chinese:
            assert_no_english(pg)
        shot(pg, f"{tag}-reactivate")
        pg.locator("input[name=confirm]").locator("xpath=ancestor::form").locator("button[type=submit]").click()
        assert Subscription.objects.get(pk=stage.small.pk).status == "active"
    finally:
        context.close()
