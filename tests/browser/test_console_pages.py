"""The operator's console and the new Users pages, in both languages, on a desktop and on a
phone: accessible (axe-core), no English words of ours on the Chinese pages, nothing wider than
the phone's screen; a screenshot of each among the test artefacts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.helpers import ARTIFACTS, axe_check, english_words, shot
from browser.stage import PASSWORD, build_stage
from browser.test_pages import sign_in
from factories import make_user
from prorata.core.actor import SYSTEM
from prorata.tenants.services import user_remove

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Data, not our words: names of products, plans, codes and the examples of a time zone.
DATA_WORDS = {"Office", "Plan", "plan", "Django", "Microsoft", "IANA", "ISO", "CSV", "UTF", "ID", "API", "CNY", "JPY",
              "Asia", "Tokyo", "America", "Los", "Angeles", "Shanghai", "email", "display_name", "role",
              "global_admin", "billing_admin", "user", "product", "ten", "prod",
              "display", "name", "global", "admin", "billing", "Mars", "Base"}


def _check(pg, chinese: bool, phone: bool, name: str) -> None:
    axe_check(pg)
    if chinese:
        text = pg.evaluate("() => document.body.innerText") + "\n" + pg.title()
        # Two capitals are an ISO 3166 code beside the country's name ("日本 (JP)").
        words = [w for w in english_words(text) if w not in DATA_WORDS and not w.startswith(("plan", "product"))
                 and not (len(w) == 2 and w.isupper())]
        assert not words, f"English on the Chinese page {pg.url}: {sorted(set(words))}"
    if phone:
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390, pg.url
    shot(pg, name)


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_console_pages(chromium, live_server, language, phone):
    chinese = language == "zh-Hans"
    domain = f"console-{language.lower()}-{int(phone)}.test"
    stage = build_stage(language=language, name="示例科技有限公司" if chinese else "Contoso Ltd", email_domain=domain)
    operator = make_user(None, "operator", password=PASSWORD, email=f"operator@{domain}", language=language,
                         display_name="运营人员" if chinese else "Olga Operator")
    size = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
    context = chromium.new_context(viewport=size, is_mobile=phone, base_url=live_server.url)
    pg = context.new_page()
    tag = f"console-{language}-{'phone' if phone else 'desktop'}"
    tenant = stage.tenant
    plan = stage.big.plan
    try:
        sign_in(pg, operator.email)
        expect(pg).to_have_url(f"{live_server.url}/console/tenants/")
        for name, path in [
            ("tenants", "/console/tenants/"),
            ("tenant", f"/console/tenants/{tenant.pk}/"),
            ("tenant-edit", f"/console/tenants/{tenant.pk}/edit/"),
            ("tenant-new", "/console/tenants/new/"),
            ("credit", f"/console/tenants/{tenant.pk}/credit/"),
            ("products", "/console/products/"),
            ("product-new", "/console/products/new/"),
            ("product-edit", f"/console/products/{plan.product_id}/"),
            ("plan-new", f"/console/products/{plan.product_id}/plans/new/"),
            ("plan-edit", f"/console/plans/{plan.pk}/"),
        ]:
            pg.goto(path)
            _check(pg, chinese, phone, f"{tag}-{name}")
        # A refused form: the errors beside their fields are accessible too.
        pg.goto("/console/tenants/new/")
        pg.locator("#id_name").fill("Fabrikam")
        pg.locator("#id_timezone").fill("Mars/Base")
        pg.locator("form.form button[type=submit]").click()
        expect(pg.locator(".errorlist").first).to_be_visible()
        _check(pg, chinese, phone, f"{tag}-tenant-new-refused")
        # The credit's review step.
        pg.goto(f"/console/tenants/{tenant.pk}/credit/")
        pg.locator("#id_amount").fill("25")
        pg.locator("#id_reason").fill("服务中断补偿" if chinese else "Outage on 3 May")
        pg.locator("form.form button[type=submit]").click()
        expect(pg.get_by_test_id("credit-amount")).to_have_text("US$25.00" if chinese else "$25.00")
        _check(pg, chinese, phone, f"{tag}-credit-review")
        # The archive confirmation.
        pg.goto(f"/console/plans/{plan.pk}/")
        pg.locator(f"form[action='/console/plans/{plan.pk}/archive/'] button[type=submit]").click()
        expect(pg.locator("input[name=confirm]")).to_have_count(1)
        _check(pg, chinese, phone, f"{tag}-plan-archive")
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_new_users_pages(chromium, live_server, language, phone):
    chinese = language == "zh-Hans"
    domain = f"users-{language.lower()}-{int(phone)}.test"
    stage = build_stage(language=language, name="示例科技有限公司" if chinese else "Contoso Ltd", email_domain=domain)
    user_remove(actor=SYSTEM, tenant=stage.tenant, user_id=stage.users[-1].pk)
    size = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
    context = chromium.new_context(viewport=size, is_mobile=phone, base_url=live_server.url)
    pg = context.new_page()
    tag = f"users-{language}-{'phone' if phone else 'desktop'}"
    try:
        sign_in(pg, stage.admin.email)
        for name, path in [
            ("users-list", "/users/?q=" + ("员工" if chinese else "Person")),
            ("user-edit", f"/users/{stage.users[0].pk}/edit/"),
            ("deleted", "/users/deleted/"),
            ("import", "/users/import/"),
        ]:
            pg.goto(path)
            _check(pg, chinese, phone, f"{tag}-{name}")
        csv_file = ARTIFACTS / f"{tag}.csv"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        csv_file.write_text("email,display_name,role\n"
                            f"new@{domain},{'新员工' if chinese else 'New Person'},user\n"
                            f"person00@{domain},{'员工零' if chinese else 'Person Zero'},billing_admin\n"
                            f"{'无效地址' if chinese else 'not-an-email'},x,user\n", encoding="utf-8")
        pg.goto("/users/import/")
        pg.locator("#id_file").set_input_files(str(csv_file))
        pg.locator("form.form button[type=submit]").click()
        expect(pg.get_by_test_id("import-counts")).to_be_visible()
        _check(pg, chinese, phone, f"{tag}-import-preview")
    finally:
        context.close()
