"""Stripe as the processor, against localstripe (a real server process): cards arrive as Stripe
PaymentMethods and never as numbers, a card that needs authentication leaves the invoice open,
and Prorata's records — not Stripe's idempotency, which localstripe ignores — stop a second charge."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from factories import make_api_key, make_clock, make_plan, make_tenant, utc
from prorata.billing.models import GatewayCall, Invoice, Payment
from prorata.billing.services import call_find
from prorata.core.actor import Actor
from prorata.core.errors import PaymentFailed
from prorata.payments.models import StripeCustomer
from prorata.subscriptions.engine import advance_clock
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import payments_reconcile, subscription_purchase
from prorata.tenants.models import PaymentMethod
from prorata.tenants.services import payment_method_add, payment_method_set_default
from stripe_helpers import DECLINED_ON_ATTACH, GOOD, NEEDS_AUTHENTICATION

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="api_key", id="key_test", label="test operator", is_operator=True, role="operator")


def buy(tenant, plan, quantity: int):
    return subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=quantity)


def advance(clock, to) -> None:
    clock.refresh_from_db()
    advance_clock(clock, to, actor=OPERATOR)


def period_invoices(sub) -> list[Invoice]:
    return list(Invoice.objects.filter(subscription=sub, kind="period").order_by("period_start"))

RAW_CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


def code(response) -> tuple[int, str]:  # noqa: ANN001
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture
def tenant_api():
    tenant = make_tenant(name="Contoso", test_clock=make_clock(utc(2026, 1, 1, 12)))
    return tenant, ApiClient(make_api_key(tenant)[1])


def test_a_raw_card_number_is_refused_with_stripe_and_nothing_is_made(stripe_gateway, tenant_api):
    tenant, api = tenant_api
    response = api.post(f"/tenants/{tenant.pk}/payment_methods", RAW_CARD)
    assert code(response) == (400, "card_entry_not_available")
    assert not PaymentMethod.objects.filter(tenant=tenant).exists()
    assert not StripeCustomer.objects.exists()
    zh = ApiClient(api.secret, language="zh-Hans").post(f"/tenants/{tenant.pk}/payment_methods", RAW_CARD)
    assert zh.status_code == 400 and "Stripe" in zh.json()["error"]["message"]
    assert zh.json()["error"]["message"] != response.json()["error"]["message"]


def test_a_stripe_payment_method_is_attached_to_the_tenants_one_customer(stripe_gateway, tenant_api):
    tenant, api = tenant_api
    first = api.post(f"/tenants/{tenant.pk}/payment_methods", {"stripe_payment_method": stripe_gateway.card()})
    second = api.post(f"/tenants/{tenant.pk}/payment_methods", {"stripe_payment_method": stripe_gateway.card()})
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["last4"], first.json()["is_default"], second.json()["is_default"]) == ("4242", True, False)
    [customer] = StripeCustomer.objects.filter(tenant_id=tenant.pk)
    attached = stripe_gateway.client().v1.payment_methods.list(params={"customer": customer.customer, "type": "card"})
    assert {pm.id for pm in attached.data} == set(PaymentMethod.objects.filter(tenant=tenant).values_list("gateway_token", flat=True))
    assert len(stripe_gateway.client().v1.customers.list().data) == 1


def test_a_card_declined_when_attached_is_refused_and_not_recorded(stripe_gateway, tenant_api):
    tenant, api = tenant_api
    response = api.post(f"/tenants/{tenant.pk}/payment_methods", {"stripe_payment_method": stripe_gateway.card(DECLINED_ON_ATTACH)})
    assert code(response) == (402, "card_declined")
    assert code(api.post(f"/tenants/{tenant.pk}/payment_methods", {"stripe_payment_method": "pm_nosuchcard"})) == (
        400, "invalid_payment_method")
    assert code(api.post(f"/tenants/{tenant.pk}/payment_methods", {"stripe_payment_method": "card_1"})) == (
        400, "invalid_payment_method")
    assert not PaymentMethod.objects.filter(tenant=tenant).exists()


def test_a_stripe_payment_method_is_refused_by_the_sandbox(tenant_api):
    tenant, api = tenant_api
    assert code(api.post(f"/tenants/{tenant.pk}/payment_methods", {"stripe_payment_method": "pm_123"})) == (
        400, "stripe_not_configured")


def test_a_renewal_that_needs_authentication_leaves_the_invoice_open_and_the_subscription_past_due(stripe_gateway):
    clock = make_clock(utc(2026, 1, 1, 12))
    tenant = make_tenant(test_clock=clock)
    payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=stripe_gateway.card())
    sub = buy(tenant, make_plan(unit_amount=1500), 1)
    strict = payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=stripe_gateway.card(NEEDS_AUTHENTICATION))
    payment_method_set_default(actor=OPERATOR, tenant=tenant, payment_method_id=strict.pk)
    advance(clock, utc(2026, 2, 1, 13))
    sub.refresh_from_db()
    renewal = period_invoices(sub)[1]
    [payment] = Payment.objects.filter(invoice=renewal)
    assert (sub.status, renewal.status) == ("past_due", "open")
    assert (payment.status, payment.failure_code, payment.amount) == ("requires_action", "authentication_required", 1500)
    intent = stripe_gateway.client().v1.payment_intents.retrieve(payment.reference)
    assert (intent.status, intent.amount, intent.metadata["prorata_key"]) == ("requires_action", 1500, payment.key)


def test_an_invoice_whose_card_payment_awaits_confirmation_cannot_be_paid_otherwise_or_closed(stripe_gateway):
    # Were it paid by transfer, voided or written off, the cardholder's later confirmation would
    # take money that belongs to no invoice.
    clock = make_clock(utc(2026, 1, 1, 12))
    tenant = make_tenant(test_clock=clock)
    payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=stripe_gateway.card())
    sub = buy(tenant, make_plan(unit_amount=1500), 1)
    strict = payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=stripe_gateway.card(NEEDS_AUTHENTICATION))
    payment_method_set_default(actor=OPERATOR, tenant=tenant, payment_method_id=strict.pk)
    advance(clock, utc(2026, 2, 1, 13))
    renewal = period_invoices(sub)[1]
    operator = ApiClient(make_api_key()[1])
    for path, body in ((f"/invoices/{renewal.pk}/payments", {"amount": 1500, "reference": "WIRE-1"}),
                       (f"/invoices/{renewal.pk}/payments/preview", {"amount": 1500, "reference": "WIRE-1"}),
                       (f"/invoices/{renewal.pk}/void", None), (f"/invoices/{renewal.pk}/mark_uncollectible", None)):
        answer = operator.post(path, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (409, "payment_awaiting_confirmation"), path
    renewal.refresh_from_db()
    assert (renewal.status, renewal.amount_paid) == ("open", 0)
    assert Payment.objects.filter(invoice=renewal).count() == 1


def test_a_purchase_with_a_card_that_needs_authentication_creates_nothing(stripe_gateway):
    tenant = make_tenant(test_clock=make_clock(utc(2026, 1, 1, 12)))
    payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=stripe_gateway.card(NEEDS_AUTHENTICATION))
    with pytest.raises(PaymentFailed) as refused:
        buy(tenant, make_plan(unit_amount=1500), 1)
    assert refused.value.code == "authentication_required"
    assert not Subscription.objects.filter(tenant=tenant).exists()
    assert not Invoice.objects.filter(tenant=tenant).exists()


def test_a_charge_made_but_not_written_is_found_at_stripe_and_never_made_again(stripe_gateway, monkeypatch):
    """The outcome of a renewal's charge is lost after Stripe charged (its write fails): the call
    stays recorded; reconciliation asks Stripe, finds the PaymentIntent by its key and writes the
    outcome. Stripe is never asked to charge that key again — localstripe would charge twice."""
    from prorata.subscriptions.services import billing_work

    clock = make_clock(utc(2026, 1, 1, 12))
    tenant = make_tenant(test_clock=clock)
    payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=stripe_gateway.card(GOOD))
    sub = buy(tenant, make_plan(unit_amount=700), 3)
    real_finish = billing_work._finish

    def lost(works, actor):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(billing_work, "_finish", lost)
    advance(clock, utc(2026, 2, 1, 13))
    [call] = GatewayCall.objects.all()
    assert len(stripe_gateway.intents()) == 2  # the purchase, and the renewal Stripe charged
    assert call_find(call).status == "succeeded"
    monkeypatch.setattr(billing_work, "_finish", real_finish)

    result = payments_reconcile(force=True)
    assert (result.found, result.made, result.finished) == (1, 0, 1)
    advance(clock, utc(2026, 2, 2))
    assert not GatewayCall.objects.exists()
    assert len(stripe_gateway.intents()) == 2
    renewal = period_invoices(sub)[1]
    [payment] = Payment.objects.filter(invoice=renewal)
    assert (renewal.status, payment.status, payment.amount) == ("paid", "succeeded", 2100)
    assert payment.reference in {pi.id for pi in stripe_gateway.intents()}


def test_a_card_stripe_no_longer_knows_fails_the_renewal_instead_of_waiting_forever(stripe_gateway):
    clock = make_clock(utc(2026, 1, 1, 12))
    tenant = make_tenant(test_clock=clock)
    card = payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=stripe_gateway.card())
    sub = buy(tenant, make_plan(unit_amount=1500), 1)
    PaymentMethod.objects.filter(pk=card.pk).update(gateway_token="pm_removedatstripe")
    advance(clock, utc(2026, 2, 1, 13))
    sub.refresh_from_db()
    [payment] = Payment.objects.filter(invoice=period_invoices(sub)[1])
    assert (sub.status, payment.status, payment.failure_code) == ("past_due", "failed", "payment_method_unusable")
    assert not GatewayCall.objects.exists()
    assert len(stripe_gateway.intents()) == 1
