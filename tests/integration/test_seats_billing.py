"""Seat changes mid-period (SPEC §5), reactivation, and the billing API, to the cent."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from factories import make_api_key, make_card, make_clock, make_plan, make_tenant, make_user, utc
from prorata.billing.models import CreditNote, Invoice, Payment
from prorata.core.actor import Actor
from prorata.licenses.models import License
from prorata.subscriptions.engine import advance_clock
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import subscription_purchase, subscription_set_recurring_billing
from prorata.tenants.models import PaymentMethod

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="api_key", id="key_op", label="operator", is_operator=True, role="operator")


@pytest.fixture
def world():
    clock = make_clock(utc(2026, 4, 1))
    tenant = make_tenant(test_clock=clock)
    make_card(tenant)
    plan = make_plan(unit_amount=2999)
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=2)
    _key, secret = make_api_key(tenant)
    return clock, tenant, plan, sub, ApiClient(secret)


def _move(clock, to):
    clock.refresh_from_db()
    advance_clock(clock, to, actor=OPERATOR)


def test_adding_seats_on_day_10_charges_the_rest_of_the_period_now(world):
    clock, tenant, _plan, sub, api = world
    _move(clock, utc(2026, 4, 10, 12))

    response = api.post(f"/subscriptions/{sub.pk}/quantity", {"quantity": 5})

    assert response.status_code == 200, response.content
    assert response.json()["quantity"] == 5
    invoice = Invoice.objects.get(subscription=sub, kind="proration")
    # 3 seats × 29.99 × 21/30 days = 62.979 → 62.98
    assert [(x.kind, x.quantity, x.unit_amount, x.amount) for x in invoice.lines.all()] == [("proration", 3, 2999, 6298)]
    assert (invoice.total, invoice.amount_paid, invoice.status, invoice.period_end) == (6298, 6298, "paid", utc(2026, 5, 1))
    assert Payment.objects.filter(invoice=invoice, status="succeeded").count() == 1

    _move(clock, utc(2026, 5, 1))
    renewal = Invoice.objects.get(subscription=sub, kind="period", period_start=utc(2026, 5, 1))
    assert [(x.kind, x.quantity, x.amount) for x in renewal.lines.all()] == [("charge", 5, 14995)]


def test_removing_seats_gives_a_credit_note_settled_at_the_boundary(world):
    clock, tenant, _plan, sub, api = world
    _move(clock, utc(2026, 4, 10, 12))

    response = api.post(f"/subscriptions/{sub.pk}/quantity", {"quantity": 1})

    assert response.status_code == 200, response.content
    note = CreditNote.objects.get(subscription=sub)
    assert (note.amount, note.reason, note.status, note.settles_on) == (2099, "seat_decrease_proration", "pending", utc(2026, 5, 1))

    _move(clock, utc(2026, 5, 1))
    note.refresh_from_db()
    renewal = Invoice.objects.get(subscription=sub, kind="period", period_start=utc(2026, 5, 1))
    # The credit pays the renewal (1 seat, 29.99) first; the rest, 0.00, is not refunded.
    assert [(x.kind, x.amount) for x in renewal.lines.order_by("id")] == [("charge", 2999), ("credit_applied", -2099)]
    assert (renewal.total, renewal.amount_paid, renewal.status) == (900, 900, "paid")
    assert (note.status, note.applied_amount, note.refunded_amount) == ("settled", 2099, 0)


def test_a_decrease_then_a_cancellation_never_credit_more_than_was_paid(world):
    from prorata.subscriptions.services import subscription_cancel

    clock, tenant, _plan, sub, api = world
    _move(clock, utc(2026, 4, 2))
    assert api.post(f"/subscriptions/{sub.pk}/quantity", {"quantity": 1}).status_code == 200
    _move(clock, utc(2026, 4, 3))
    subscription_cancel(actor=OPERATOR, subscription_id=sub.pk)
    # 1 seat: 2999 × 29/30 = 2899; then the other seat: 2999 × 28/30 = 2799 (of 5998 paid).
    assert sorted(CreditNote.objects.filter(subscription=sub).values_list("amount", flat=True)) == [2799, 2899]


def test_fewer_seats_than_assigned_is_refused_with_licenses_in_use_and_changes_nothing(world):
    clock, tenant, _plan, sub, api = world
    for _ in range(2):
        License.objects.create(tenant=tenant, subscription=sub, user=make_user(tenant), assigned_at=utc(2026, 4, 1))

    response = api.post(f"/subscriptions/{sub.pk}/quantity", {"quantity": 1})

    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "licenses_in_use"
    assert body["details"] == {"assigned_licenses": 2, "quantity": 1, "users_to_remove": 1}
    assert "2 licenses are assigned" in body["message"]
    sub.refresh_from_db()
    assert sub.quantity == 2
    assert CreditNote.objects.count() == 0


def test_a_declined_increase_changes_nothing(world):
    clock, tenant, _plan, sub, api = world
    PaymentMethod.objects.filter(tenant=tenant).update(is_default=False)
    make_card(tenant, "4000000000000341", default=True)

    response = api.post(f"/subscriptions/{sub.pk}/quantity", {"quantity": 4})

    assert response.status_code == 402
    assert response.json()["error"]["code"] == "card_declined"
    sub.refresh_from_db()
    assert sub.quantity == 2
    assert Invoice.objects.filter(kind="proration").count() == 0
    # Only the declined attempt is on record, with no invoice.
    assert list(Payment.objects.filter(status="failed").values_list("invoice_id", "failure_code")) == [(None, "card_declined")]


@pytest.mark.parametrize("quantity", [0, -1, "3", 1.5, None, 10**7])
def test_a_bad_quantity_is_a_400_and_changes_nothing(world, quantity):
    _clock, _tenant, _plan, sub, api = world
    response = api.post(f"/subscriptions/{sub.pk}/quantity", {"quantity": quantity})
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_quantity", "validation_error")
    sub.refresh_from_db()
    assert sub.quantity == 2


def test_another_tenants_key_gets_404_for_seats_invoices_and_reactivation(world):
    _clock, tenant, _plan, sub, _api = world
    other = make_tenant()
    _key, secret = make_api_key(other)
    api = ApiClient(secret)
    invoice = Invoice.objects.get(subscription=sub)
    assert api.post(f"/subscriptions/{sub.pk}/quantity", {"quantity": 3}).status_code == 404
    assert api.post(f"/subscriptions/{sub.pk}/reactivate").status_code == 404
    assert api.get(f"/invoices/{invoice.pk}").status_code == 404
    assert api.get("/invoices", {"tenant": tenant.pk}).status_code == 404
    assert api.get("/invoices").json() == {"data": [], "has_more": False}


def test_invoice_list_and_detail_show_every_line(world):
    _clock, tenant, _plan, sub, api = world
    listing = api.get("/invoices", {"tenant": tenant.pk, "limit": 10})
    assert listing.status_code == 200
    [invoice] = listing.json()["data"]
    assert (invoice["subtotal"], invoice["total"], invoice["amount_paid"], invoice["status"], invoice["currency"]) == (5998, 5998, 5998, "paid", "USD")
    assert [(x["kind"], x["quantity"], x["unit_amount"], x["amount"]) for x in invoice["lines"]] == [("charge", 2, 2999, 5998)]
    assert invoice["number"].startswith("INV-")
    detail = api.get(f"/invoices/{invoice['id']}")
    assert detail.json() == invoice
    assert api.get("/credit_notes", {"tenant": tenant.pk}).json() == {"data": [], "has_more": False}
    assert api.get("/refunds", {"tenant": tenant.pk}).json() == {"data": [], "has_more": False}


def test_reactivating_an_expired_subscription_starts_a_new_period_that_day_charged(world):
    clock, tenant, _plan, sub, api = world
    subscription_set_recurring_billing(actor=OPERATOR, subscription_id=sub.pk, enabled=False)
    _move(clock, utc(2026, 5, 20, 9))
    sub.refresh_from_db()
    assert sub.status == "expired"

    response = api.post(f"/subscriptions/{sub.pk}/reactivate")

    assert response.status_code == 200, response.content
    sub.refresh_from_db()
    assert (sub.status, sub.current_period_start, sub.current_period_end, sub.recurring_billing) == (
        "active", utc(2026, 5, 20, 9), utc(2026, 6, 20, 9), True)
    invoice = Invoice.objects.get(subscription=sub, period_start=utc(2026, 5, 20, 9))
    assert (invoice.total, invoice.status) == (5998, "paid")
    assert api.post(f"/subscriptions/{sub.pk}/reactivate").json()["error"]["code"] == "cannot_reactivate"


def test_a_declined_reactivation_changes_nothing(world):
    clock, tenant, _plan, sub, api = world
    subscription_set_recurring_billing(actor=OPERATOR, subscription_id=sub.pk, enabled=False)
    _move(clock, utc(2026, 5, 20))
    PaymentMethod.objects.filter(tenant=tenant).update(is_default=False)
    make_card(tenant, "4000000000000341", default=True)
    response = api.post(f"/subscriptions/{sub.pk}/reactivate")
    assert response.status_code == 402
    assert Subscription.objects.get(pk=sub.pk).status == "expired"
    assert Invoice.objects.filter(subscription=sub).count() == 1


def test_reactivating_at_the_instant_its_cancelled_period_started_is_refused_and_credits_nothing_twice(world):
    from prorata.subscriptions.services import subscription_cancel

    _clock, _tenant, _plan, sub, api = world
    subscription_cancel(actor=OPERATOR, subscription_id=sub.pk)
    assert list(CreditNote.objects.values_list("amount", flat=True)) == [5998]

    response = api.post(f"/subscriptions/{sub.pk}/reactivate")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reactivate_later"
    assert Subscription.objects.get(pk=sub.pk).status == "disabled"
    assert list(CreditNote.objects.values_list("amount", flat=True)) == [5998]
