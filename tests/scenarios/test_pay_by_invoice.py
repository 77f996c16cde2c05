"""Pay by invoice, through the API on a test clock: a tenant set to `send_invoice` buys without a
card, its invoices stay open with a due date, an operator records bank transfers (partial
payments add up, an overpayment is refused), an unpaid invoice past its due date takes the
subscription past due and, after the dunning steps, expires it; voiding and writing off return
the credit the invoice had taken to the tenant's balance, once. Every cent is accounted for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum

from conftest import ApiClient
from factories import make_api_key, make_clock, make_plan, make_tenant, utc
from prorata.audit.models import AuditEvent
from prorata.billing.models import CreditApplication, GatewayCall, Invoice, Payment
from prorata.subscriptions.models import StatusChange, Subscription
from prorata.tenants.models import Tenant
from prorata.webhooks.models import Event

pytestmark = pytest.mark.django_db

START = utc(2026, 1, 5, 9)


@pytest.fixture
def operator() -> ApiClient:
    _key, secret = make_api_key()
    return ApiClient(secret)


def _invoicing_tenant(operator: ApiClient, days: int = 14, **kw):
    clock = make_clock(START)
    tenant = make_tenant(test_clock=clock, **kw)
    r = operator.post(f"/tenants/{tenant.pk}/collection", {"collection": "send_invoice", "days_until_due": days})
    assert r.status_code == 200, r.content
    assert (r.json()["collection"], r.json()["days_until_due"]) == ("send_invoice", days)
    return clock, tenant


def _advance(operator: ApiClient, clock, to) -> None:
    r = operator.post(f"/test_clocks/{clock.pk}/advance", {"frozen_time": to.isoformat()})
    assert r.status_code == 200, r.content


def assert_every_cent_traced(tenant: Tenant, seeded: int = 0) -> None:
    """`seeded`: account credit the test put on the balance directly. Charges = paid + credit applied + open + closed (void, uncollectible); payments are the
    succeeded payments' sum per invoice; the balance is what went in less what invoices took."""
    assert not GatewayCall.objects.filter(tenant=tenant).exists()
    invoices = list(Invoice.objects.filter(tenant=tenant))
    for i in invoices:
        paid = Payment.objects.filter(invoice=i, status="succeeded").aggregate(s=Sum("amount"))["s"] or 0
        assert i.amount_paid == paid <= i.total == i.subtotal - i.credit_applied
        assert (i.status == "paid") == (i.amount_paid == i.total)
    by = {s: sum(i.total - i.amount_paid for i in invoices if i.status == s) for s in ("open", "void", "uncollectible")}
    assert sum(i.subtotal for i in invoices) == (sum(i.amount_paid for i in invoices) + sum(i.credit_applied for i in invoices)
                                                  + by["open"] + by["void"] + by["uncollectible"])
    apps = CreditApplication.objects.filter(tenant=tenant)
    into = (apps.filter(kind="applied", invoice__isnull=True).aggregate(s=Sum("amount"))["s"] or 0) + (
        apps.filter(kind="returned").aggregate(s=Sum("amount"))["s"] or 0)
    out = apps.filter(kind="applied", credit_note__isnull=True).aggregate(s=Sum("amount"))["s"] or 0
    tenant.refresh_from_db()
    assert tenant.credit_balance == into - out + seeded >= 0
    # An invoice returns its credit once, all of it.
    for i in invoices:
        returned = apps.filter(kind="returned", invoice=i)
        assert returned.count() == (1 if i.status in ("void", "uncollectible") and i.credit_applied else 0)
        if returned:
            assert returned.get().amount == i.credit_applied


def test_sent_invoices_paid_by_transfer_then_dunning_then_expiry(operator):
    from factories import make_user
    from prorata.notifications.models import Notice
    from prorata.notifications.render import render_notice

    clock, tenant = _invoicing_tenant(operator, days=14)
    make_user(tenant, "global_admin", email="ap@tenant.test")
    plan = make_plan(unit_amount=2000)

    # No card: the purchase proceeds, its invoice is sent (open, due in 14 days), nothing charged.
    r = operator.post("/subscriptions", {"tenant": tenant.pk, "plan": plan.pk, "quantity": 3})
    assert r.status_code == 201, r.content
    sub_id = r.json()["id"]
    assert r.json()["status"] == "active"
    first = operator.get("/invoices", {"tenant": tenant.pk}).json()["data"]
    assert len(first) == 1
    invoice = first[0]
    assert (invoice["status"], invoice["total"], invoice["amount_paid"]) == ("open", 6000, 0)
    assert invoice["due_at"] == "2026-01-19T09:00:00Z"
    assert not Payment.objects.filter(tenant=tenant).exists()
    assert Subscription.objects.get(pk=sub_id).next_action_at == utc(2026, 1, 19, 9)

    # A partial transfer, previewed first (amounts shown), then recorded.
    preview = operator.post(f"/invoices/{invoice['id']}/payments/preview", {"amount": 2500, "reference": "BANK-0001"})
    assert preview.status_code == 200, preview.content
    assert preview.json() | {} == {
        "action": "payment", "invoice": invoice["id"], "number": invoice["number"], "currency": "USD", "amount": 2500,
        "amount_due_before": 6000, "amount_due_after": 3500, "credit_returned": 0, "status_after": "open"}
    r = operator.post(f"/invoices/{invoice['id']}/payments", {"amount": 2500, "reference": "BANK-0001"})
    assert r.status_code == 201, r.content
    assert (r.json()["status"], r.json()["amount_paid"]) == ("open", 2500)

    # The same bank reference twice, more than is owed, a bad amount: refused, nothing changes.
    again = operator.post(f"/invoices/{invoice['id']}/payments", {"amount": 100, "reference": "BANK-0001"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "payment_already_recorded")
    over = operator.post(f"/invoices/{invoice['id']}/payments", {"amount": 3501, "reference": "BANK-0002"},
                         headers={"Accept-Language": "zh-Hans"})
    assert (over.status_code, over.json()["error"]["code"]) == (409, "overpayment")
    assert over.json()["error"]["details"] == {"amount": 3501, "amount_due": 3500, "currency": "USD"}
    assert "US$35.00" in over.json()["error"]["message"] and "超过" in over.json()["error"]["message"]
    for bad in (0, -5, "100", 1.5):
        r = operator.post(f"/invoices/{invoice['id']}/payments", {"amount": bad, "reference": "BANK-0003"})
        assert r.status_code == 400, (bad, r.content)
    blank = operator.post(f"/invoices/{invoice['id']}/payments", {"amount": 10, "reference": "  "})
    assert (blank.status_code, blank.json()["error"]["code"]) == (400, "invalid_payment_reference")
    assert Payment.objects.filter(tenant=tenant).count() == 1

    # A tenant's own key may not record money received.
    _k, tenant_secret = make_api_key(tenant)
    own = ApiClient(tenant_secret).post(f"/invoices/{invoice['id']}/payments", {"amount": 10, "reference": "X"})
    assert own.status_code == 403

    # The rest: paid in full.
    r = operator.post(f"/invoices/{invoice['id']}/payments", {"amount": 3500, "reference": "BANK-0002"})
    assert (r.json()["status"], r.json()["amount_paid"]) == ("paid", 6000)
    payments = list(Payment.objects.filter(tenant=tenant).order_by("id").values_list("kind", "amount", "reference", "status"))
    assert payments == [("bank_transfer", 2500, "BANK-0001", "succeeded"), ("bank_transfer", 3500, "BANK-0002", "succeeded")]
    assert Subscription.objects.get(pk=sub_id).next_action_at == utc(2026, 2, 5, 9)

    # Renewal: the next invoice is sent at the boundary, due 14 days later; still active.
    _advance(operator, clock, utc(2026, 2, 5, 10))
    renewal = Invoice.objects.get(subscription_id=sub_id, period_start=utc(2026, 2, 5, 9))
    assert (renewal.status, renewal.total, renewal.due_at) == ("open", 6000, utc(2026, 2, 19, 9))
    sub = Subscription.objects.get(pk=sub_id)
    assert (sub.status, sub.next_action_at) == ("active", utc(2026, 2, 19, 9))

    # Past its due date, unpaid: past due; reminders 1, 3 and 5 days later; then expired.
    _advance(operator, clock, utc(2026, 2, 19, 10))
    sub.refresh_from_db()
    assert (sub.status, sub.payment_attempts, sub.next_action_at) == ("past_due", 1, utc(2026, 2, 20, 9))
    _advance(operator, clock, utc(2026, 2, 23, 10))
    sub.refresh_from_db()
    assert (sub.status, sub.payment_attempts, sub.next_action_at) == ("past_due", 3, utc(2026, 2, 24, 9))
    _advance(operator, clock, utc(2026, 2, 24, 10))
    sub.refresh_from_db()
    assert sub.status == "expired"
    steps = list(StatusChange.objects.filter(subscription_id=sub_id).order_by("id").values_list("event", "to_status"))
    assert steps == [("created", "active"), ("invoice_overdue", "past_due"), ("retries_exhausted", "expired")]
    overdue = Event.objects.filter(type="invoice.overdue").order_by("id")
    assert [e.data["object"]["id"] for e in overdue] == [renewal.pk] * 4
    assert Event.objects.filter(type="subscription.past_due").count() == 1
    # The admins are told the invoice is overdue — not that a card failed.
    [notice] = Notice.objects.filter(tenant=tenant, kind="past_due")
    email = render_notice(notice)
    assert "was due on February 19, 2026" in email.text and "February 24, 2026" in email.text
    assert "failed" not in email.text and "payment method" not in email.text.lower()
    renewal.refresh_from_db()
    assert renewal.status == "open"  # still owed; the operator decides: transfer, void or write-off
    assert not Payment.objects.filter(tenant=tenant, kind="card").exists()
    assert_every_cent_traced(tenant)


def test_a_transfer_after_the_due_date_ends_dunning(operator):
    clock, tenant = _invoicing_tenant(operator, days=0)
    plan = make_plan(unit_amount=1500)
    sub_id = operator.post("/subscriptions", {"tenant": tenant.pk, "plan": plan.pk, "quantity": 1}).json()["id"]
    invoice = Invoice.objects.get(subscription_id=sub_id)
    assert invoice.due_at == START
    _advance(operator, clock, START + timedelta(hours=1))
    assert Subscription.objects.get(pk=sub_id).status == "past_due"
    r = operator.post(f"/invoices/{invoice.pk}/payments", {"amount": 1500, "reference": "SWIFT 77"})
    assert r.status_code == 201, r.content
    sub = Subscription.objects.get(pk=sub_id)
    assert (sub.status, sub.payment_attempts, sub.next_action_at) == ("active", 0, utc(2026, 2, 5, 9))
    assert StatusChange.objects.filter(subscription_id=sub_id).order_by("-id").values_list("event", flat=True)[0] == "overdue_cleared"
    assert AuditEvent.objects.filter(action="invoice.payment_recorded", object_id=invoice.pk).count() == 1
    assert Event.objects.filter(type="invoice.paid", audit_event__object_id=invoice.pk).count() == 1
    assert_every_cent_traced(tenant)


def test_void_and_write_off_return_the_credit_taken_once(operator):
    clock, tenant = _invoicing_tenant(operator, days=10)
    Tenant.objects.filter(pk=tenant.pk).update(credit_balance=700)
    plan = make_plan(unit_amount=2000)
    first = operator.post("/subscriptions", {"tenant": tenant.pk, "plan": plan.pk, "quantity": 1}).json()["id"]
    invoice = Invoice.objects.get(subscription_id=first)
    assert (invoice.subtotal, invoice.credit_applied, invoice.total, invoice.status) == (2000, 700, 1300, "open")
    tenant.refresh_from_db()
    assert tenant.credit_balance == 0

    preview = operator.post(f"/invoices/{invoice.pk}/void/preview")
    assert preview.status_code == 200, preview.content
    assert (preview.json()["amount"], preview.json()["credit_returned"], preview.json()["status_after"]) == (1300, 700, "void")
    assert Invoice.objects.get(pk=invoice.pk).status == "open"  # a preview changes nothing
    r = operator.post(f"/invoices/{invoice.pk}/void")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["closed_at"]) == ("void", "2026-01-05T09:00:00Z")
    tenant.refresh_from_db()
    assert tenant.credit_balance == 700
    # Once: a second void (or a write-off, or a payment) of a closed invoice is refused.
    for path, body in (("void", None), ("mark_uncollectible", None), ("payments", {"amount": 1, "reference": "R"})):
        again = operator.post(f"/invoices/{invoice.pk}/{path}", body)
        assert (again.status_code, again.json()["error"]["code"]) == (409, "invoice_not_open"), path
    tenant.refresh_from_db()
    assert tenant.credit_balance == 700
    assert Event.objects.filter(type="invoice.voided").count() == 1
    audit = AuditEvent.objects.get(action="invoice.voided")
    assert audit.details == {"amount_closed": 1300, "credit_returned": 700, "currency": "USD"}

    # The credit returned is spent by the next invoice: another subscription takes it.
    second = operator.post("/subscriptions", {"tenant": tenant.pk, "plan": plan.pk, "quantity": 2}).json()["id"]
    other = Invoice.objects.get(subscription_id=second)
    assert (other.credit_applied, other.total) == (700, 3300)
    # Part paid, then past due: a void is refused, a write-off closes the rest and ends dunning.
    operator.post(f"/invoices/{other.pk}/payments", {"amount": 300, "reference": "PART"})
    _advance(operator, clock, START + timedelta(days=10, hours=1))
    assert Subscription.objects.get(pk=second).status == "past_due"
    refused = operator.post(f"/invoices/{other.pk}/void")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "invoice_partially_paid")
    preview = operator.post(f"/invoices/{other.pk}/mark_uncollectible/preview").json()
    assert (preview["amount"], preview["amount_due_before"], preview["credit_returned"]) == (3000, 3000, 700)
    r = operator.post(f"/invoices/{other.pk}/mark_uncollectible")
    assert (r.status_code, r.json()["status"], r.json()["amount_paid"]) == (200, "uncollectible", 300)
    sub = Subscription.objects.get(pk=second)
    assert (sub.status, sub.payment_attempts) == ("active", 0)
    tenant.refresh_from_db()
    assert tenant.credit_balance == 700
    assert_every_cent_traced(tenant, seeded=700)


def test_collection_is_the_operators_and_checked(operator):
    tenant = make_tenant()
    r = operator.get(f"/tenants/{tenant.pk}")
    assert (r.json()["collection"], r.json()["days_until_due"]) == ("charge_automatically", 30)
    for body, code in (({"collection": "cash"}, "invalid_collection"),
                       ({"collection": "send_invoice", "days_until_due": 366}, "invalid_days_until_due"),
                       ({"collection": "send_invoice", "days_until_due": -1}, "invalid_days_until_due")):
        r = operator.post(f"/tenants/{tenant.pk}/collection", body, headers={"Accept-Language": "zh-Hans"})
        assert (r.status_code, r.json()["error"]["code"]) == (400, code), body
    _k, secret = make_api_key(tenant)
    assert ApiClient(secret).post(f"/tenants/{tenant.pk}/collection", {"collection": "send_invoice"}).status_code == 403
    tenant.refresh_from_db()
    assert tenant.collection == "charge_automatically"
    # A card tenant without a card still cannot buy.
    plan = make_plan()
    r = operator.post("/subscriptions", {"tenant": tenant.pk, "plan": plan.pk, "quantity": 1})
    assert (r.status_code, r.json()["error"]["code"]) == (402, "payment_method_required")
    assert operator.post(f"/tenants/{tenant.pk}/collection", {"collection": "send_invoice"}).json()["days_until_due"] == 30
    assert AuditEvent.objects.filter(action="tenant.collection_changed", object_id=tenant.pk).count() == 1
