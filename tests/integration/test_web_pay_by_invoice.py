"""Pay by invoice in the web consoles: the operator's invoice page records a bank transfer, voids
or writes off only after a review step that shows the amounts, in both languages; the back office
sets how a tenant pays through the service; the tenant sees the due date on its invoice."""

from __future__ import annotations

import pytest
from django.test import Client

from factories import make_clock, make_plan, make_tenant, make_user, utc
from prorata.audit.models import AuditEvent
from prorata.billing.models import Invoice, Payment
from prorata.core.actor import Actor
from prorata.subscriptions.services import subscription_purchase

pytestmark = pytest.mark.django_db
PASSWORD = "Operator-Passphrase-42"
OPERATOR = Actor(kind="api_key", id="key_web", label="operator", is_operator=True, role="operator")


def _signed_in(role: str, tenant=None, language: str = "en") -> Client:
    person = make_user(tenant, role, password=PASSWORD, language=language, is_superuser=role == "operator")
    client = Client()
    assert client.login(username=person.email, password=PASSWORD)
    return client


@pytest.fixture
def sent_invoice():
    tenant = make_tenant(test_clock=make_clock(utc(2026, 3, 2, 8)), collection="send_invoice", days_until_due=20,
                         currency="JPY")
    plan = make_plan(unit_amount=1500, currency="JPY")
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=2)
    return tenant, Invoice.objects.get(subscription=sub)


@pytest.mark.parametrize(("language", "words"), [("en", ("Record a bank transfer", "Confirm: record")),
                                                  ("zh-Hans", ("记录银行转账", "确认：记录"))])
def test_a_transfer_is_reviewed_then_recorded(sent_invoice, language, words):
    tenant, invoice = sent_invoice
    operator = _signed_in("operator", language=language)
    url = f"/operator/invoices/{invoice.pk}/"
    page = operator.get(url)
    assert page.status_code == 200 and words[0] in page.content.decode()
    # JPY has no minor unit: "1,000" is ¥1,000; "10.5" is finer than a yen and refused.
    refused = operator.post(url, {"action": "payment", "amount": "10.5", "reference": "MIZUHO-1"})
    assert refused.status_code == 400
    review = operator.post(url, {"action": "payment", "amount": "1,000", "reference": "MIZUHO-1"})
    text = review.content.decode()
    assert review.status_code == 200 and words[1] in text and "1,000" in text
    assert not Payment.objects.exists()  # the review changes nothing
    # Confirmed with the amount reviewed.
    done = operator.post(url, {"action": "payment", "amount_minor": "1000", "reference": "MIZUHO-1", "confirm": "yes",
                               "expected": "1000"})
    assert done.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.status) == (1000, "open")
    [payment] = Payment.objects.all()
    assert (payment.kind, payment.amount, payment.currency, payment.reference) == ("bank_transfer", 1000, "JPY", "MIZUHO-1")
    # An amount tampered with after the review is shown again, not recorded.
    again = operator.post(url, {"action": "payment", "amount_minor": "2000", "reference": "MIZUHO-2", "confirm": "yes",
                                "expected": "1000"})
    assert again.status_code == 200 and Payment.objects.count() == 1
    # More than is owed: refused with the amounts, nothing recorded.
    over = operator.post(url, {"action": "payment", "amount": "2,001", "reference": "MIZUHO-3"})
    assert over.status_code == 400 and Payment.objects.count() == 1


def test_write_off_is_reviewed_with_the_amount_and_credit(sent_invoice):
    _tenant, invoice = sent_invoice
    operator = _signed_in("operator")
    url = f"/operator/invoices/{invoice.pk}/"
    review = operator.post(url, {"action": "mark_uncollectible"})
    assert review.status_code == 200 and "Confirm: write off ¥3,000" in review.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == "open"
    done = operator.post(url, {"action": "mark_uncollectible", "confirm": "yes", "expected": "3000"}, follow=True)
    assert "written off" in done.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == "uncollectible"
    assert AuditEvent.objects.filter(action="invoice.marked_uncollectible", object_id=invoice.pk).count() == 1


def test_only_operators_open_the_operators_invoice_page(sent_invoice):
    tenant, invoice = sent_invoice
    for client in (_signed_in("global_admin", tenant), _signed_in("support_engineer")):
        assert client.get(f"/operator/invoices/{invoice.pk}/").status_code == 403
        assert client.post(f"/operator/invoices/{invoice.pk}/", {"action": "void", "confirm": "yes",
                                                                  "expected": "3000"}).status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).status == "open"


def test_the_tenant_sees_the_due_date(sent_invoice):
    tenant, invoice = sent_invoice
    admin = _signed_in("global_admin", tenant)
    page = admin.get(f"/billing/bills/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="invoice-due"' in page and "March 22, 2026" in page and "bank transfer" in page


def test_the_back_office_sets_how_a_tenant_pays_through_the_service():
    tenant = make_tenant()
    operator = _signed_in("operator")
    url = f"/backoffice/tenants/tenant/{tenant.pk}/change/"
    assert operator.get(url).status_code == 200
    response = operator.post(url, {"collection": "send_invoice", "days_until_due": "45"})
    assert response.status_code == 302, response.content[:500]
    tenant.refresh_from_db()
    assert (tenant.collection, tenant.days_until_due) == ("send_invoice", 45)
    assert AuditEvent.objects.filter(action="tenant.collection_changed", object_id=tenant.pk).count() == 1
    bad = operator.post(url, {"collection": "send_invoice", "days_until_due": "400"})
    assert bad.status_code == 200  # the form shows the mistake
    tenant.refresh_from_db()
    assert tenant.days_until_due == 45
