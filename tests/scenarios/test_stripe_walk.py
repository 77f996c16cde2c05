"""The calendar walk — purchase, renewal, a declined renewal, its retry, a cancellation, the
settlement and its refund — with Stripe as the processor (localstripe, a real server process).

Every charge and refund is counted at the server itself: each with the amount and currency
Prorata recorded (JPY has no minor unit), none made twice.
"""

from __future__ import annotations

import pytest
from billing_scenario_helpers import OPERATOR, advance, buy, make_plan, period_invoices

from factories import make_clock, make_tenant, utc
from prorata.billing.models import Payment, Refund
from prorata.payments.models import StripeCustomer
from prorata.subscriptions.services import subscription_cancel
from prorata.tenants.services import payment_method_add, payment_method_set_default
from stripe_helpers import DECLINES_CHARGES, GOOD

pytestmark = pytest.mark.django_db


def add_card(server, tenant, number=GOOD):
    return payment_method_add(actor=OPERATOR, tenant=tenant, stripe_payment_method=server.card(number))


@pytest.mark.parametrize(("currency", "unit_amount"), [("USD", 999), ("JPY", 1200)])
def test_the_whole_walk_moves_each_amount_once_at_stripe(stripe_gateway, currency, unit_amount):
    server = stripe_gateway
    clock = make_clock(utc(2026, 1, 1, 12))
    tenant = make_tenant(test_clock=clock, currency=currency)
    good = add_card(server, tenant)
    customer = StripeCustomer.objects.get(tenant_id=tenant.pk).customer
    sub = buy(tenant, make_plan(unit_amount=unit_amount, currency=currency), 2)
    amount = 2 * unit_amount

    advance(clock, utc(2026, 1, 15))  # nothing due
    bad = add_card(server, tenant, DECLINES_CHARGES)
    payment_method_set_default(actor=OPERATOR, tenant=tenant, payment_method_id=bad.pk)
    advance(clock, utc(2026, 2, 1, 18))  # the renewal is declined
    sub.refresh_from_db()
    assert sub.status == "past_due"
    payment_method_set_default(actor=OPERATOR, tenant=tenant, payment_method_id=good.pk)
    advance(clock, utc(2026, 2, 3))  # the retry on Feb 2 succeeds
    sub.refresh_from_db()
    assert sub.status == "active"
    assert [i.status for i in period_invoices(sub)] == ["paid", "paid"]

    advance(clock, utc(2026, 2, 15, 12))
    _sub, note = subscription_cancel(actor=OPERATOR, subscription_id=sub.pk)
    advance(clock, utc(2026, 3, 2))  # the period ends, the credit note settles: a refund
    note.refresh_from_db()
    assert note.status == "settled" and note.refunded_amount == note.amount > 0
    advance(clock, utc(2026, 4, 2))  # nothing more

    payments = list(Payment.objects.filter(tenant=tenant).order_by("created_at", "attempt"))
    assert [(p.status, p.amount, p.currency) for p in payments] == [
        ("succeeded", amount, currency), ("failed", amount, currency), ("succeeded", amount, currency)]
    # At Stripe: each attempt once, under its key, with Prorata's amount and currency.
    charges = [c for c in server.charges() if c.customer == customer]
    assert sorted((c.payment_intent.metadata["prorata_key"], c.status, c.amount, c.currency) for c in charges) == sorted(
        (p.key, p.status, p.amount, currency.lower()) for p in payments)
    assert {c.payment_intent.id for c in charges if c.status == "succeeded"} == {
        p.reference for p in payments if p.status == "succeeded"}
    assert len(server.intents()) == 3
    [refund] = Refund.objects.filter(tenant=tenant)
    [at_stripe] = server.refunds()
    assert (at_stripe.amount, at_stripe.currency, at_stripe.payment_intent, at_stripe.metadata["prorata_key"]) == (
        refund.amount, currency.lower(), payments[2].reference, f"{note.pk}/{payments[2].pk}")
    assert at_stripe.id == refund.reference
    assert refund.amount == note.amount
