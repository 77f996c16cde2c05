"""The operator's console: products and plans, tenants with a first admin, manual credits,
the tenant's test clock and subscriptions. Every change through a service, audited; money as
people write it, never in cents; refusals beside their field, translated, with the form kept."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from factories import make_card, make_clock, make_plan, make_product, make_tenant, make_user, utc
from prorata.audit.models import AuditEvent
from prorata.billing.models import Invoice, ManualCredit
from prorata.catalog.models import Plan, Product
from prorata.core.actor import Actor
from prorata.subscriptions.services import subscription_purchase
from prorata.tenants.models import Tenant, User

pytestmark = pytest.mark.django_db
PASSWORD = "Operator-Passphrase-42"
OPERATOR = Actor(kind="api_key", id="key_op", label="operator", is_operator=True, role="operator")


def _client(language: str = "en") -> Client:
    operator = make_user(None, "operator", password=PASSWORD, language=language)
    client = Client()
    assert client.login(username=operator.email, password=PASSWORD)
    return client


@pytest.fixture
def console() -> Client:
    return _client()


@pytest.fixture
def console_zh() -> Client:
    return _client("zh-Hans")


def test_operators_land_on_the_console_and_no_one_else_opens_it(console):
    assert console.get("/")["Location"] == "/console/tenants/"
    page = console.get("/console/tenants/").content.decode()
    assert "Operator console" in page and 'href="/console/products/"' in page
    tenant = make_tenant()
    for role in ("global_admin", "billing_admin", "user"):
        other = Client()
        other.force_login(make_user(tenant, role))
        assert other.get("/console/tenants/").status_code == 403
    support = Client()
    support.force_login(make_user(None, "support_engineer"))
    assert support.get("/console/products/").status_code == 403


def test_products_and_plans_are_created_with_prices_as_people_write_them(console):
    created = console.post("/console/products/new/", {"code": "office-e5", "name": "Office 365 E5", "name_zh": "Office 365 企业版 E5"})
    assert created.status_code == 302
    product = Product.objects.get(code="office-e5")
    assert product.names == {"zh-Hans": "Office 365 企业版 E5"}
    body = {"code": "e5-monthly", "name": "E5 monthly", "currency": "usd", "interval": "month", "price": "1,234.50",
            "trial_days": "30", "max_assigned_for_online_cancel": "24", "cancel_window_hours": "",
            "proration_unit": "day", "credit_settlement": "next_billing_cycle", "grace_days": "30", "disabled_days": "90"}
    assert console.post(f"/console/products/{product.pk}/plans/new/", body).status_code == 302
    plan = Plan.objects.get(code="e5-monthly")
    assert (plan.unit_amount, plan.currency, plan.trial_days, plan.cancel_window_hours) == (123450, "USD", 30, None)
    assert AuditEvent.objects.filter(action="plan.created", object_id=plan.pk).count() == 1
    listing = console.get("/console/products/").content.decode()
    assert "$1,234.50" in listing and "123450" not in listing


def test_plan_refusals_are_translated_beside_their_field_and_keep_the_form(console_zh):
    product = make_product(code="bb", name="Business Basic")
    make_plan(product, code="taken")
    body = {"code": "taken", "name": "BB 年付", "currency": "JPY", "interval": "year", "price": "1200.5",
            "trial_days": "0", "max_assigned_for_online_cancel": "-1", "cancel_window_hours": "",
            "proration_unit": "day", "credit_settlement": "refund_now", "grace_days": "30", "disabled_days": "90"}
    response = console_zh.post(f"/console/products/{product.pk}/plans/new/", body)
    page = response.content.decode()
    assert response.status_code == 400
    assert "JPY 没有辅币单位" in page  # the price: yen have no minor unit
    assert "确保该值大于或等于0" in page  # Django's own translated bound
    assert 'value="BB 年付"' in page and 'value="1200.5"' in page  # what was typed is kept
    assert "plan_max_assigned_not_negative" not in page and "invalid_policy" not in page
    body.update(price="1200", max_assigned_for_online_cancel="")
    taken = console_zh.post(f"/console/products/{product.pk}/plans/new/", body)
    assert taken.status_code == 400
    assert "代码“taken”已被使用" in taken.content.decode()
    assert Plan.objects.filter(product=product).count() == 1


def test_a_new_price_applies_from_the_next_period_and_the_billed_period_keeps_its_price(console):
    clock = make_clock(utc(2026, 4, 1, 9))
    tenant = make_tenant(test_clock=clock)
    make_card(tenant)
    plan = make_plan(unit_amount=2000)
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=2)
    first = Invoice.objects.get(subscription=sub)
    edit = console.get(f"/console/plans/{plan.pk}/").content.decode()
    assert 'value="20.00"' in edit and "$20.00" in edit
    body = {"name": plan.name, "price": "25", "trial_days": "0", "max_assigned_for_online_cancel": "24",
            "cancel_window_hours": "", "proration_unit": "day", "credit_settlement": "next_billing_cycle",
            "grace_days": "30", "disabled_days": "90"}
    assert console.post(f"/console/plans/{plan.pk}/", body).status_code == 302
    plan.refresh_from_db()
    assert plan.unit_amount == 2500
    event = AuditEvent.objects.get(action="plan.updated", object_id=plan.pk)
    assert (event.before, event.after) == ({"unit_amount": 2000}, {"unit_amount": 2500})
    first.refresh_from_db()
    assert first.total == 4000
    advanced = console.post(f"/console/tenants/{tenant.pk}/clock/", {"to": "2026-05-01T10:00"})
    assert advanced.status_code == 302
    renewal = Invoice.objects.filter(subscription=sub).exclude(pk=first.pk).get()
    assert (renewal.period_start, renewal.total) == (utc(2026, 5, 1, 9), 5000)


def test_archiving_a_plan_is_confirmed_and_stops_new_purchases(console):
    plan = make_plan()
    tenant = make_tenant()
    make_card(tenant)
    subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=1)
    review = console.post(f"/console/plans/{plan.pk}/archive/", {"active": "no"})
    assert review.status_code == 200 and "keeps renewing" in review.content.decode()
    plan.refresh_from_db()
    assert plan.is_active
    assert console.post(f"/console/plans/{plan.pk}/archive/", {"active": "no", "confirm": "yes"}).status_code == 302
    plan.refresh_from_db()
    assert not plan.is_active
    assert AuditEvent.objects.filter(action="plan.archived", object_id=plan.pk).count() == 1
    assert "Archived" in console.get("/console/products/").content.decode()
    from prorata.core.errors import ProrataError

    with pytest.raises(ProrataError):
        subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=1)


def test_a_tenant_is_created_with_a_first_admin_who_is_invited(console, smtp_server, django_capture_on_commit_callbacks):
    body = {"name": "Contoso KK", "country": "JP", "language": "zh-Hans", "currency": "JPY", "timezone": "Asia/Tokyo",
            "test_clock": "", "admin_name": "Aiko Sato", "admin_email": "Aiko@Contoso.example"}
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post("/console/tenants/new/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    tenant = Tenant.objects.get(name="Contoso KK")
    assert (tenant.country, tenant.currency, tenant.timezone) == ("JP", "JPY", "Asia/Tokyo")
    admin = User.objects.get(tenant=tenant)
    assert (admin.email, admin.role, admin.has_usable_password()) == ("aiko@contoso.example", "global_admin", False)
    (recipient, message), = smtp_server.take()
    assert recipient == "aiko@contoso.example"
    text = message.get_body(("plain",)).get_content()
    assert "Contoso KK" in text and "全局管理员" in text  # the tenant's language
    link = re.search(r"https?://\S+/password-reset/\S+/", text).group(0)
    chooser = Client().get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]), follow=True)
    assert chooser.status_code == 200 and 'name="new_password1"' in chooser.content.decode()
    page = console.get(f"/console/tenants/{tenant.pk}/").content.decode()
    assert "日本" not in page and "Japan" in page and "Invited" in page


def test_a_refused_tenant_keeps_everything_typed_and_writes_nothing(console_zh):
    make_user(make_tenant(), "global_admin", email="taken@example.test")
    body = {"name": "Fabrikam", "country": "JP", "language": "en", "currency": "USD", "timezone": "Mars/Base",
            "test_clock": "", "admin_name": "Ann", "admin_email": "taken@example.test"}
    bad_zone = console_zh.post("/console/tenants/new/", body)
    page = bad_zone.content.decode()
    assert bad_zone.status_code == 400 and "不是 IANA 时区名称" in page
    assert '<option value="JP" selected>日本 (JP)</option>' in page and 'value="Fabrikam"' in page
    body["timezone"] = "Asia/Tokyo"
    taken = console_zh.post("/console/tenants/new/", body)
    assert taken.status_code == 400
    assert "taken@example.test" in taken.content.decode() and "已" in taken.content.decode()
    assert not Tenant.objects.filter(name="Fabrikam").exists()


def test_a_tenant_is_edited_and_audited(console):
    tenant = make_tenant(name="Old name")
    body = {"name": "New name", "country": "CN", "language": "zh-Hans", "timezone": "Asia/Shanghai"}
    assert console.post(f"/console/tenants/{tenant.pk}/edit/", body).status_code == 302
    tenant.refresh_from_db()
    assert (tenant.name, tenant.country, tenant.timezone, tenant.currency) == ("New name", "CN", "Asia/Shanghai", "USD")
    event = AuditEvent.objects.get(action="tenant.updated", object_id=tenant.pk)
    assert event.before["name"] == "Old name" and event.after["name"] == "New name"


def test_a_manual_credit_is_shown_confirmed_and_added_once(console):
    tenant = make_tenant(currency="EUR", credit_balance=500)
    review = console.post(f"/console/tenants/{tenant.pk}/credit/", {"amount": "25", "reason": "Outage on 3 May"})
    page = review.content.decode()
    assert review.status_code == 200
    assert "€25.00" in page and "€30.00" in page and "2500" not in page
    tenant.refresh_from_db()
    assert tenant.credit_balance == 500  # nothing moves before the confirm
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    confirm = {"amount": "25.00", "reason": "Outage on 3 May", "key": key, "confirm": "yes"}
    assert console.post(f"/console/tenants/{tenant.pk}/credit/", confirm).status_code == 302
    again = console.post(f"/console/tenants/{tenant.pk}/credit/", confirm, follow=True)
    assert "already added" in again.content.decode()
    tenant.refresh_from_db()
    assert tenant.credit_balance == 3000
    assert ManualCredit.objects.filter(tenant=tenant).count() == 1
    event = AuditEvent.objects.get(action="tenant.credited", object_id=tenant.pk)
    assert (event.before, event.after) == ({"credit_balance": 500}, {"credit_balance": 3000})
    assert event.details["reason"] == "Outage on 3 May"
    assert "€30.00" in console.get(f"/console/tenants/{tenant.pk}/").content.decode()


def test_a_manual_credit_refuses_nothing_or_too_precise_amounts(console_zh):
    tenant = make_tenant(currency="USD")
    zero = console_zh.post(f"/console/tenants/{tenant.pk}/credit/", {"amount": "0", "reason": "x"})
    assert zero.status_code == 400 and "请输入" in zero.content.decode()
    cents = console_zh.post(f"/console/tenants/{tenant.pk}/credit/", {"amount": "1.005", "reason": "x"})
    assert cents.status_code == 400 and "USD 最多 2 位小数" in cents.content.decode()
    forged = console_zh.post(f"/console/tenants/{tenant.pk}/credit/",
                             {"amount": "5", "reason": "x", "key": "bad key!", "confirm": "yes"})
    assert forged.status_code == 400
    tenant.refresh_from_db()
    assert tenant.credit_balance == 0 and not ManualCredit.objects.exists()


def test_the_tenant_page_lists_its_subscriptions_with_money_formatted(console):
    tenant = make_tenant(currency="USD")
    make_card(tenant)
    plan = make_plan(make_product(name="Office 365 E3"), unit_amount=3600)
    subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=3)
    page = console.get(f"/console/tenants/{tenant.pk}/").content.decode()
    assert "Office 365 E3" in page and "$36.00" in page and "0 / 3" in page
    assert "3600" not in page and "{&quot;" not in page
    listing = console.get("/console/tenants/?q=" + tenant.name).content.decode()
    assert tenant.name in listing


def test_the_tenant_page_links_its_invoices_to_the_operators_invoice_page(console):
    tenant = make_tenant(currency="USD")
    make_card(tenant)
    plan = make_plan(unit_amount=3600)
    subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=3)
    invoice = Invoice.objects.get(tenant=tenant)
    page = console.get(f"/console/tenants/{tenant.pk}/").content.decode()
    assert f'href="/operator/invoices/{invoice.pk}/"' in page and invoice.number in page and "$108.00" in page
    # That page is where a transfer is recorded or the invoice voided, each with its review step.
    assert console.get(f"/operator/invoices/{invoice.pk}/").status_code == 200


def test_odd_input_is_a_clear_refusal_never_a_500(console):
    tenant = make_tenant(test_clock=make_clock(utc(2026, 4, 1)))
    assert console.get("/console/tenants/ten_nope/").status_code == 404
    assert console.get("/console/plans/x%00y/").status_code in (400, 404)
    assert console.get(f"/console/tenants/{tenant.pk}/clock/").status_code == 405
    for amount in ("NaN", "Infinity", "1e400", "-5", "--5", "5" * 40):
        refused = console.post(f"/console/tenants/{tenant.pk}/credit/", {"amount": amount, "reason": "x"})
        assert refused.status_code == 400, amount
    backwards = console.post(f"/console/tenants/{tenant.pk}/clock/", {"to": "2020-01-01T00:00"}, follow=True)
    assert backwards.status_code == 200 and "notice-error" in backwards.content.decode()
    garbage = console.post(f"/console/tenants/{tenant.pk}/clock/", {"to": "soon"}, follow=True)
    assert "Enter the date and time to advance to" in garbage.content.decode()
    tenant.refresh_from_db()
    assert tenant.credit_balance == 0
