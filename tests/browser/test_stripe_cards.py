"""With Stripe as the processor, an admin adds a card in the admin center through Stripe Elements
(localstripe's Stripe.js, served by the local server: nothing loads from the internet) and then
buys licenses, charged to that card at Stripe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser.stage import PASSWORD
from factories import make_clock, make_plan, make_product, make_tenant, make_user, utc
from prorata.core.actor import SYSTEM
from prorata.payments.models import StripeCustomer
from prorata.subscriptions.services import subscription_purchase
from prorata.tenants.models import PaymentMethod
from prorata.tenants.services import payment_method_add, payment_method_remove

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_adds_a_card_through_stripe_elements_and_buys_licenses_with_it(stripe_gateway, page):
    server = stripe_gateway
    tenant = make_tenant(name="Contoso Ltd", test_clock=make_clock(utc(2026, 3, 1)))
    admin = make_user(tenant, "global_admin", password=PASSWORD, email="admin@contoso.test", display_name="Megan Bowen")
    plan = make_plan(product=make_product(name="Office 365 E3"), unit_amount=2000)
    # Bought earlier with a card since removed: the card added in the browser is the only one.
    first = payment_method_add(actor=SYSTEM, tenant=tenant, stripe_payment_method=server.card())
    sub = subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=plan.pk, quantity=5)
    payment_method_remove(actor=SYSTEM, tenant=tenant, payment_method_id=first.pk)

    pg = page
    pg.goto("/signin/")
    pg.get_by_label("Email address").fill(admin.email)
    pg.get_by_label("Password").fill(PASSWORD)
    pg.get_by_role("button", name="Sign in", exact=True).click()
    pg.goto("/billing/payment-methods/")
    expect(pg.get_by_role("heading", level=1)).to_have_text("Payment methods")
    element = pg.locator("#card-element")
    element.locator("input[placeholder=number]").fill("4242424242424242")
    element.locator("input[placeholder=exp_month]").fill("12")
    element.locator("input[placeholder=exp_year]").fill("34")
    element.locator("input[placeholder=cvc]").fill("123")
    element.locator("input[placeholder=postal_code]").fill("10001")
    pg.get_by_role("button", name="Add card").click()
    expect(pg.get_by_role("status")).to_contain_text("The card ending in 4242 was added.")
    expect(pg.get_by_role("row").filter(has_text="4242")).to_contain_text("12/2034")

    [card] = PaymentMethod.objects.filter(tenant=tenant)
    assert card.is_default and card.gateway_token.startswith("pm_")
    customer = StripeCustomer.objects.get(tenant_id=tenant.pk).customer
    at_stripe = server.client().v1.payment_methods.retrieve(card.gateway_token)
    assert at_stripe.customer == customer

    pg.goto(f"/billing/products/{sub.pk}/")
    pg.get_by_label("Buy licenses").fill("2")
    pg.get_by_role("button", name="Buy licenses").click()
    # The review step: the amount, the date and the card, then the confirm.
    expect(pg.get_by_test_id("review-amount")).to_be_visible()
    pg.locator("input[name=confirm]").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(pg.get_by_role("status")).to_contain_text("The subscription now has 7 licenses.")
    sub.refresh_from_db()
    assert sub.quantity == 7
    charged = [c for c in server.charges() if c.payment_method == card.gateway_token]
    # 2 licenses × $20.00 for the whole month just begun.
    assert [(c.amount, c.currency, c.status) for c in charged] == [(4000, "usd", "succeeded")]


def test_a_renewal_that_needs_authentication_is_confirmed_in_the_browser(stripe_gateway, page):
    from prorata.billing.models import Invoice, Payment
    from prorata.subscriptions.engine import advance_clock
    from prorata.subscriptions.models import Subscription
    from prorata.tenants.services import payment_method_set_default
    from stripe_helpers import NEEDS_AUTHENTICATION

    server = stripe_gateway
    clock = make_clock(utc(2026, 1, 1, 12))
    tenant = make_tenant(name="Contoso Ltd", test_clock=clock)
    admin = make_user(tenant, "global_admin", password=PASSWORD, email="admin@contoso.test", display_name="Megan Bowen")
    payment_method_add(actor=SYSTEM, tenant=tenant, stripe_payment_method=server.card())
    sub = subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=make_plan(unit_amount=1500).pk, quantity=2)
    strict = payment_method_add(actor=SYSTEM, tenant=tenant, stripe_payment_method=server.card(NEEDS_AUTHENTICATION))
    payment_method_set_default(actor=SYSTEM, tenant=tenant, payment_method_id=strict.pk)
    advance_clock(clock, utc(2026, 2, 1, 13), actor=SYSTEM)
    renewal = Invoice.objects.get(subscription=sub, period_start=utc(2026, 2, 1, 12))
    assert renewal.status == "open"

    pg = page
    pg.goto("/signin/")
    pg.get_by_label("Email address").fill(admin.email)
    pg.get_by_label("Password").fill(PASSWORD)
    pg.get_by_role("button", name="Sign in", exact=True).click()
    pg.goto("/billing/bills/")
    pg.get_by_role("link", name=f"Confirm payment of invoice {renewal.number}").click()
    expect(pg.get_by_test_id("confirm-amount")).to_have_text("$30.00")
    pg.get_by_role("button", name="Confirm payment of $30.00").click()
    pg.get_by_role("button", name="Complete authentication").click()  # the bank's 3-D Secure step
    expect(pg.get_by_role("status")).to_contain_text("The payment of $30.00 is confirmed.")

    renewal.refresh_from_db()
    [payment] = Payment.objects.filter(invoice=renewal)
    assert (renewal.status, renewal.amount_paid, payment.status) == ("paid", 3000, "succeeded")
    assert Subscription.objects.get(pk=sub.pk).status == "active"
    intent = server.client().v1.payment_intents.retrieve(payment.reference)
    assert (intent.status, intent.amount) == ("succeeded", 3000)
    assert len(server.intents()) == 2  # the purchase and the confirmed renewal, nothing more
