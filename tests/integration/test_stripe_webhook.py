"""/stripe/webhook: events signed with the endpoint's secret (by the SDK's own signing helper),
a bad signature refused with nothing changed, a replay acted on once; a charge whose outcome was
lost is settled by Stripe's event; a dispute marks the invoice and tells the operator."""

from __future__ import annotations

import json

import pytest
import stripe
from django.test import Client

from factories import make_clock, make_plan, make_tenant, utc
from prorata.audit.models import AuditEvent
from prorata.billing.models import GatewayCall, Invoice, Payment
from prorata.core.actor import Actor
from prorata.payments.models import StripeEvent
from prorata.subscriptions.engine import advance_clock
from prorata.subscriptions.services import subscription_purchase
from prorata.tenants.services import payment_method_add
from stripe_helpers import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="api_key", id="key_test", label="test operator", is_operator=True, role="operator")


def send(event: dict, secret: str = WEBHOOK_SECRET, header: str | None = None):
    payload = json.dumps(event)
    signature = header if header is not None else stripe.WebhookSignature.generate_signature_header(payload, secret)
    return Client().post("/stripe/webhook", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def event(kind: str, obj: dict, event_id: str = "evt_1") -> dict:
    return {"id": event_id, "object": "event", "type": kind, "created": 1767225600, "livemode": False,
            "api_version": "2024-06-20", "data": {"object": obj}}


@pytest.fixture
def bought(stripe_gateway):
    clock = make_clock(utc(2026, 1, 1, 12))
    tenant = make_tenant(test_clock=clock)
    payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=stripe_gateway.card())
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=make_plan(unit_amount=1100).pk, quantity=2)
    return clock, tenant, sub, Payment.objects.get(invoice__subscription=sub)


def dispute(payment) -> dict:
    return {"id": "dp_1", "object": "dispute", "amount": payment.amount, "currency": "usd", "reason": "fraudulent",
            "status": "needs_response", "charge": "ch_unknown", "payment_intent": payment.reference}


def test_a_bad_signature_is_refused_and_changes_nothing(bought):
    _clock, _tenant, sub, payment = bought
    body = event("charge.dispute.created", dispute(payment))
    for response in (send(body, secret="whsec_someone_else"), send(body, header=""), send(body, header="t=1,v1=00")):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_signature"
    assert not StripeEvent.objects.exists()
    assert Invoice.objects.get(pk=payment.invoice_id).disputed_at is None
    assert not AuditEvent.objects.filter(action="invoice.disputed").exists()


def test_a_dispute_marks_the_invoice_and_tells_the_operator_once_even_when_replayed(bought):
    _clock, tenant, sub, payment = bought
    body = event("charge.dispute.created", dispute(payment), event_id="evt_dispute")
    first, replay = send(body), send(body)
    assert (first.status_code, first.json()["outcome"]) == (200, "disputed")
    assert (replay.status_code, replay.json()["outcome"]) == (200, "duplicate")
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    assert invoice.disputed_at is not None and invoice.status == "paid"
    [row] = AuditEvent.objects.filter(action="invoice.disputed")
    assert (row.tenant_id, row.object_id, row.details["amount"], row.details["reason"]) == (
        tenant.pk, invoice.pk, payment.amount, "fraudulent")
    sub.refresh_from_db()
    assert sub.status == "active"  # the operator decides; nothing is cancelled by itself
    assert StripeEvent.objects.get(pk="evt_dispute").outcome == "disputed"


def test_a_charge_whose_outcome_was_lost_is_settled_by_stripes_event_once(bought, stripe_gateway, monkeypatch):
    from prorata.subscriptions.services import billing_work

    clock, tenant, sub, _payment = bought
    real_finish = billing_work._finish

    def lost(works, actor):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(billing_work, "_finish", lost)
    clock.refresh_from_db()
    advance_clock(clock, utc(2026, 2, 1, 13), actor=OPERATOR)
    monkeypatch.setattr(billing_work, "_finish", real_finish)
    [call] = GatewayCall.objects.all()
    [intent] = [pi for pi in stripe_gateway.intents() if pi.metadata["prorata_key"] == call.key]

    body = event("payment_intent.succeeded", intent.to_dict(), event_id="evt_pi")
    assert send(body).json()["outcome"] == "reconciled 1 of 1"
    assert send(body).json()["outcome"] == "duplicate"
    assert not GatewayCall.objects.exists()
    renewal = Invoice.objects.get(subscription=sub, period_start=utc(2026, 2, 1, 12))
    [paid] = Payment.objects.filter(invoice=renewal)
    assert (renewal.status, paid.status, paid.reference) == ("paid", "succeeded", intent.id)
    assert len(stripe_gateway.intents()) == 2  # the purchase and the renewal: nothing charged again


def test_a_refund_whose_outcome_was_lost_is_settled_by_charge_refunded_once(stripe_gateway, monkeypatch):
    from prorata.billing.models import CreditNote, Refund
    from prorata.billing.services import settlement
    from prorata.subscriptions.services import subscription_cancel

    clock = make_clock(utc(2026, 1, 1, 12))
    tenant = make_tenant(test_clock=clock)
    payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=stripe_gateway.card())
    plan = make_plan(unit_amount=3000, credit_settlement="refund_now")
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=1)
    paid = Payment.objects.get(invoice__subscription=sub)
    clock.frozen_time = utc(2026, 1, 11, 12)
    clock.save()

    def lost(*args, **kwargs):
        raise RuntimeError("the database went away")

    # The refund is made at Stripe, then writing it fails: its call stays on record.
    monkeypatch.setattr(settlement, "credit_notes_finish", lost)
    with pytest.raises(RuntimeError):
        subscription_cancel(actor=OPERATOR, subscription_id=sub.pk, reason="too_expensive")
    monkeypatch.undo()
    [call] = GatewayCall.objects.filter(kind="refund")
    [refund_at_stripe] = stripe_gateway.refunds()
    note = CreditNote.objects.get(subscription=sub)
    assert (refund_at_stripe.amount, refund_at_stripe.metadata["prorata_key"]) == (note.amount, call.key)
    assert not Refund.objects.exists()

    charge = {"id": "ch_1", "object": "charge", "payment_intent": paid.reference, "amount": paid.amount,
              "amount_refunded": refund_at_stripe.amount, "currency": "usd", "refunded": False,
              "refunds": {"object": "list", "data": [refund_at_stripe.to_dict()]}}
    body = event("charge.refunded", charge, event_id="evt_refunded")
    first, replay = send(body), send(body)
    assert (first.status_code, first.json()["outcome"]) == (200, "reconciled 1 of 1")
    assert (replay.status_code, replay.json()["outcome"]) == (200, "duplicate")
    assert not GatewayCall.objects.exists()
    [refund] = Refund.objects.all()
    assert (refund.amount, refund.reference, refund.payment_id) == (note.amount, refund_at_stripe.id, paid.pk)
    note.refresh_from_db()
    assert (note.status, note.refunded_amount) == ("settled", note.amount)
    # Stripe's event again under another id (a second delivery of the same refund): nothing more.
    again = send(event("charge.refunded", charge, event_id="evt_refunded_2"))
    assert again.json()["outcome"] == "nothing to do"
    assert Refund.objects.count() == 1 and len(stripe_gateway.refunds()) == 1
    assert StripeEvent.objects.get(pk="evt_refunded").outcome == "reconciled 1 of 1"


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_a_disputed_invoice_shows_when_in_the_api_and_on_the_invoice_pages(bought, language):
    from conftest import ApiClient
    from factories import make_api_key, make_user

    _clock, tenant, _sub, payment = bought
    assert send(event("charge.dispute.created", dispute(payment), event_id="evt_d")).json()["outcome"] == "disputed"
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    _k, secret = make_api_key(tenant)
    body = ApiClient(secret).get(f"/invoices/{invoice.pk}").json()
    assert body["disputed_at"].startswith(invoice.disputed_at.strftime("%Y-%m-%dT%H:%M:%S."))

    admin = make_user(tenant, "global_admin", password="Admin-Passphrase-42", language=language)
    client = Client()
    assert client.login(username=admin.email, password="Admin-Passphrase-42")
    page = client.get(f"/billing/bills/invoices/{invoice.pk}/").content.decode()
    bills = client.get("/billing/bills/").content.decode()
    expected = {"en": ("Disputed", "disputed at the cardholder"), "zh-Hans": ("有争议", "持卡人")}[language]
    assert expected[0] in page and expected[1] in page and expected[0] in bills
    operator = make_user(None, "operator", password="Operator-Passphrase-42", language=language)
    staff = Client()
    assert staff.login(username=operator.email, password="Operator-Passphrase-42")
    console = staff.get(f"/operator/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="operator-invoice-disputed"' in console and expected[0] in console
