"""POST/GET /subscriptions and recurring billing, through the API, against the database."""

from __future__ import annotations

import pytest
from test_subscriptions_helpers import T0, buy, error_of, make_world, move_clock

from conftest import ApiClient
from factories import make_api_key, make_plan, make_tenant, utc
from prorata.audit.models import AuditEvent
from prorata.billing.models import Invoice, Payment
from prorata.subscriptions.models import StatusChange, Subscription

pytestmark = pytest.mark.django_db


def test_buying_charges_the_first_period_now() -> None:
    w = make_world()
    body = buy(w, quantity=3)
    assert body["status"] == "active"
    assert body["tenant"] == w.tenant.pk and body["plan"] == w.plan.pk
    assert body["quantity"] == 3 and body["assigned_licenses"] == 0
    assert body["recurring_billing"] is True
    assert body["current_period_start"] == "2026-02-01T11:00:00Z"
    assert body["current_period_end"] == "2026-03-01T11:00:00Z"
    assert body["trial_end"] is None and body["canceled_at"] is None and body["cancel_reason"] == ""
    sub = Subscription.objects.get(pk=body["id"])
    assert sub.next_action_at == utc(2026, 3, 1, 11)
    assert sub.billing_anchor == T0
    invoice = Invoice.objects.get(subscription=sub)
    assert (invoice.subtotal, invoice.total, invoice.amount_paid, invoice.status) == (6000, 6000, 6000, "paid")
    assert (invoice.period_start, invoice.period_end) == (T0, utc(2026, 3, 1, 11))
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.amount, payment.status) == (6000, "succeeded")
    assert list(StatusChange.objects.filter(subscription=sub).values_list("from_status", "to_status", "event")) == [
        ("", "active", "created")
    ]
    event = AuditEvent.objects.get(action="subscription.created", object_id=sub.pk)
    assert event.after["status"] == "active" and event.after["id"] == event.object_id and event.details["trial"] is False
    assert event.actor.startswith("api_key:")


def test_a_31st_purchase_in_shanghai_ends_on_the_local_month_end() -> None:
    w = make_world(utc(2026, 1, 30, 16), tenant={"timezone": "Asia/Shanghai", "country": "CN"})  # Jan 31 00:00 local
    body = buy(w)
    assert body["current_period_start"] == "2026-01-30T16:00:00Z"
    assert body["current_period_end"] == "2026-02-27T16:00:00Z"  # Feb 28 00:00 Shanghai


def test_a_trial_charges_nothing_and_ends_after_trial_days() -> None:
    w = make_world(card=None)
    body = buy(w, quantity=5, trial=True)
    assert body["status"] == "trialing"
    assert body["trial_end"] == "2026-03-03T11:00:00Z"
    assert body["current_period_start"] == "2026-02-01T11:00:00Z"
    assert body["current_period_end"] == "2026-03-03T11:00:00Z"
    sub = Subscription.objects.get(pk=body["id"])
    assert sub.next_action_at == utc(2026, 3, 3, 11)
    assert not Invoice.objects.filter(subscription=sub).exists()


def test_no_trial_on_a_plan_without_one() -> None:
    w = make_world(plan={"trial_days": 0})
    r = w.api.post("/subscriptions", {"tenant": w.tenant.pk, "plan": w.plan.pk, "quantity": 1, "trial": True})
    assert r.status_code == 400
    assert error_of(r)["code"] == "trial_not_available"
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(("card", "code"), [(None, "payment_method_required"), ("4000000000000341", "card_declined")])
def test_no_card_or_declined_creates_nothing(card, code) -> None:
    w = make_world(card=card)
    audit_before = AuditEvent.objects.count()
    r = w.api.post("/subscriptions", {"tenant": w.tenant.pk, "plan": w.plan.pk, "quantity": 2})
    assert r.status_code == 402
    assert error_of(r)["code"] == code
    assert not Subscription.objects.exists()
    assert not Invoice.objects.exists()
    # The declined attempt is on record (an attempt with no card never reached the processor).
    attempts = list(Payment.objects.values_list("invoice_id", "status", "failure_code", "amount"))
    assert attempts == ([] if card is None else [(None, "failed", "card_declined", 2 * w.plan.unit_amount)])
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize("quantity", [0, -1, 1_000_001])
def test_quantity_must_be_at_least_one(quantity) -> None:
    w = make_world()
    r = w.api.post("/subscriptions", {"tenant": w.tenant.pk, "plan": w.plan.pk, "quantity": quantity})
    assert r.status_code == 400
    assert error_of(r)["code"] == "invalid_quantity"
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("quantity", ["3", 2.5, None, True])
def test_quantity_must_be_an_integer(quantity) -> None:
    w = make_world()
    r = w.api.post("/subscriptions", {"tenant": w.tenant.pk, "plan": w.plan.pk, "quantity": quantity})
    assert r.status_code == 400
    assert error_of(r)["code"] == "validation_error"
    assert not Subscription.objects.exists()


def test_currency_must_match_the_tenant() -> None:
    w = make_world()
    cny = make_plan(currency="CNY")
    r = w.api.post("/subscriptions", {"tenant": w.tenant.pk, "plan": cny.pk, "quantity": 1})
    assert r.status_code == 400
    err = error_of(r)
    assert err["code"] == "currency_mismatch"
    assert err["details"] == {"plan_currency": "CNY", "tenant_currency": "USD"}
    assert "CNY" in err["message"] and "USD" in err["message"]


def test_a_retired_plan_is_not_sold() -> None:
    w = make_world(plan={"is_active": False})
    r = w.api.post("/subscriptions", {"tenant": w.tenant.pk, "plan": w.plan.pk, "quantity": 1})
    assert (r.status_code, error_of(r)["code"]) == (400, "plan_not_available")


def test_unknown_plan_and_foreign_tenant_are_404() -> None:
    w = make_world()
    other = make_tenant()
    r = w.api.post("/subscriptions", {"tenant": w.tenant.pk, "plan": "plan_nope", "quantity": 1})
    assert r.status_code == 404
    r = w.api.post("/subscriptions", {"tenant": other.pk, "plan": w.plan.pk, "quantity": 1})
    assert r.status_code == 404
    assert not Subscription.objects.exists()


def test_get_and_list_are_scoped_to_the_tenant() -> None:
    w = make_world()
    mine = [buy(w)["id"] for _ in range(3)]
    stranger = make_world()
    theirs = buy(stranger)["id"]

    assert w.api.get(f"/subscriptions/{mine[0]}").json()["id"] == mine[0]
    r = w.api.get(f"/subscriptions/{theirs}")
    assert (r.status_code, error_of(r)["code"]) == (404, "not_found")

    page = w.api.get("/subscriptions").json()
    assert [s["id"] for s in page["data"]] == mine and page["has_more"] is False
    page = w.api.get("/subscriptions", {"limit": 2}).json()
    assert [s["id"] for s in page["data"]] == mine[:2] and page["has_more"] is True
    page = w.api.get("/subscriptions", {"limit": 2, "starting_after": mine[1]}).json()
    assert [s["id"] for s in page["data"]] == mine[2:] and page["has_more"] is False
    assert w.api.get("/subscriptions", {"tenant": stranger.tenant.pk}).status_code == 404
    assert [s["id"] for s in w.api.get("/subscriptions", {"tenant": w.tenant.pk}).json()["data"]] == mine
    # The operator sees both tenants, and can filter by one.
    assert [s["id"] for s in w.op.get("/subscriptions", {"limit": 100}).json()["data"]] == [*mine, theirs]
    assert [s["id"] for s in w.op.get("/subscriptions", {"tenant": stranger.tenant.pk}).json()["data"]] == [theirs]


def test_without_a_key_401() -> None:
    assert ApiClient().get("/subscriptions").status_code == 401
    _, secret = make_api_key()
    assert ApiClient(secret).get("/subscriptions/sub_missing").status_code == 404


def test_recurring_billing_off_and_on() -> None:
    w = make_world()
    sub_id = buy(w)["id"]
    move_clock(w, utc(2026, 2, 10))
    r = w.api.post(f"/subscriptions/{sub_id}/recurring_billing", {"enabled": False})
    assert r.status_code == 200 and r.json()["recurring_billing"] is False
    event = AuditEvent.objects.get(action="subscription.updated", object_id=sub_id)
    assert (event.before["recurring_billing"], event.after["recurring_billing"]) == (True, False)
    assert event.occurred_at == utc(2026, 2, 10)
    # the period end is still the next work: expiry instead of renewal
    assert Subscription.objects.get(pk=sub_id).next_action_at == utc(2026, 3, 1, 11)
    # the same value again records nothing
    assert w.api.post(f"/subscriptions/{sub_id}/recurring_billing", {"enabled": False}).status_code == 200
    assert AuditEvent.objects.filter(action="subscription.updated", object_id=sub_id).count() == 1
    r = w.api.post(f"/subscriptions/{sub_id}/recurring_billing", {"enabled": True})
    assert r.json()["recurring_billing"] is True
    r = w.api.post(f"/subscriptions/{sub_id}/recurring_billing", {"enabled": "yes"})
    assert (r.status_code, error_of(r)["code"]) == (400, "validation_error")


def test_recurring_billing_cannot_be_turned_on_after_cancel() -> None:
    w = make_world()
    sub_id = buy(w)["id"]
    assert w.api.post(f"/subscriptions/{sub_id}/cancel", {}).status_code == 200
    r = w.api.post(f"/subscriptions/{sub_id}/recurring_billing", {"enabled": True})
    assert (r.status_code, error_of(r)["code"]) == (409, "subscription_not_active")
    assert error_of(r)["details"] == {"status": "disabled"}


def test_cancel_reasons_are_listed_in_the_request_language() -> None:
    w = make_world(language="zh-Hans")
    reasons = w.api.get("/subscriptions/cancel_reasons").json()
    assert [r["code"] for r in reasons] == ["too_expensive", "missing_features", "switching_product", "no_longer_needed", "other"]
    assert reasons[0]["label"] == "价格太高"


def test_errors_are_translated() -> None:
    w = make_world(plan={"trial_days": 0}, language="zh-Hans")
    r = w.api.post("/subscriptions", {"tenant": w.tenant.pk, "plan": w.plan.pk, "quantity": 1, "trial": True})
    assert error_of(r)["message"] == "此计划不提供免费试用。"
