"""The cancellation decision and cancel, code by code, through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_subscriptions_helpers import T0, assign_directly, buy, error_of, make_world, move_clock

from factories import make_card, utc
from prorata.billing.models import CreditNote, Invoice
from prorata.subscriptions.models import Subscription
from prorata.support.models import CallbackRequest

pytestmark = pytest.mark.django_db


def test_a_trial_with_a_payment_method_is_cancelled_for_nothing_and_will_not_convert() -> None:
    w = make_world()
    sub_id = buy(w, quantity=2, trial=True)["id"]
    move_clock(w, T0 + timedelta(days=3))
    decision = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert (decision["outcome"], decision["code"]) == ("allowed", "trial_cancel_allowed")
    assert decision["refund_preview"] == {"amount": 0, "currency": "USD", "settles_on": None}
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {"reason": "missing_features"})
    assert r.status_code == 200
    body = r.json()
    assert body["credit_note"] is None
    assert body["subscription"]["status"] == "trialing"
    assert body["subscription"]["recurring_billing"] is False
    assert body["subscription"]["canceled_at"] == "2026-02-04T11:00:00Z"
    stored = Subscription.objects.get(pk=sub_id)
    assert stored.next_action_at == utc(2026, 3, 3, 11)  # the trial's end: it expires then
    assert not Invoice.objects.filter(subscription_id=sub_id).exists()
    again = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert again["code"] == "already_cancelled"


def test_outside_the_cancel_window_only_recurring_billing_can_be_turned_off() -> None:
    w = make_world(plan={"cancel_window_hours": 168})
    sub_id = buy(w)["id"]
    move_clock(w, T0 + timedelta(hours=168))
    assert w.api.get(f"/subscriptions/{sub_id}/cancellation").json()["code"] == "cancel_allowed"
    move_clock(w, T0 + timedelta(hours=168, minutes=1))
    decision = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert (decision["outcome"], decision["code"]) == ("blocked", "outside_cancel_window")
    assert decision["options"] == ["turn_off_recurring_billing"]
    assert "168" in decision["message"]
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {})
    assert (r.status_code, error_of(r)["code"]) == (409, "outside_cancel_window")
    assert Subscription.objects.get(pk=sub_id).status == "active"


def test_expired_has_nothing_to_cancel() -> None:
    w = make_world()
    sub_id = buy(w)["id"]
    Subscription.objects.filter(pk=sub_id).update(status="expired")
    decision = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert (decision["outcome"], decision["code"]) == ("nothing_to_cancel", "expired_nothing_to_cancel")
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {})
    assert (r.status_code, error_of(r)["code"]) == (409, "expired_nothing_to_cancel")


def test_past_due_cancel_credits_nothing_for_an_unpaid_period() -> None:
    w = make_world()
    sub_id = buy(w)["id"]
    Subscription.objects.filter(pk=sub_id).update(status="past_due")
    Invoice.objects.filter(subscription_id=sub_id).update(status="open", amount_paid=0, paid_at=None)
    decision = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert decision["code"] == "cancel_allowed" and decision["refund_preview"]["amount"] == 0
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {})
    assert r.status_code == 200
    assert r.json()["subscription"]["status"] == "disabled" and r.json()["credit_note"] is None
    assert not CreditNote.objects.exists()


@pytest.mark.parametrize(("settlement", "status"), [("refund_now", "settled"), ("keep_as_balance", "settled")])
def test_other_settlements_settle_at_once(settlement: str, status: str) -> None:
    w = make_world(plan={"credit_settlement": settlement})
    sub_id = buy(w)["id"]
    move_clock(w, utc(2026, 2, 3, 11))
    assert w.api.get(f"/subscriptions/{sub_id}/cancellation").json()["refund_preview"] == {
        "amount": 1857, "currency": "USD", "settles_on": "2026-02-03T11:00:00Z",
    }
    note = w.api.post(f"/subscriptions/{sub_id}/cancel", {}).json()["credit_note"]
    assert (note["amount"], note["status"], note["settles_on"]) == (1857, status, "2026-02-03T11:00:00Z")


def test_second_proration_policy() -> None:
    w = make_world(plan={"proration_unit": "second"})
    sub_id = buy(w)["id"]
    move_clock(w, utc(2026, 2, 3, 23))  # 2.5 of 28 days: 2000 x 25.5/28 = 1821.43
    assert w.api.get(f"/subscriptions/{sub_id}/cancellation").json()["refund_preview"]["amount"] == 1821


def test_the_decision_speaks_chinese() -> None:
    w = make_world(users=25, language="zh-Hans")
    sub_id = buy(w, quantity=25)["id"]
    assign_directly(sub_id, w.users)
    decision = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert decision["message"].startswith("此订阅已有 25 个许可证分配给用户")
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {})
    assert error_of(r)["message"] == decision["message"]


def test_the_allowed_message_formats_money_and_date_in_chinese() -> None:
    w = make_world(language="zh-Hans")
    sub_id = buy(w)["id"]
    move_clock(w, utc(2026, 2, 3, 11))
    message = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()["message"]
    assert "US$18.57" in message and "2026年3月1日" in message


def test_an_unknown_reason_or_too_long_feedback_changes_nothing() -> None:
    w = make_world()
    sub_id = buy(w)["id"]
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {"reason": "bored"})
    assert (r.status_code, error_of(r)["code"]) == (400, "invalid_cancel_reason")
    assert error_of(r)["details"]["choices"][0] == "too_expensive"
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {"feedback": "x" * 2001})
    assert (r.status_code, error_of(r)["code"]) == (400, "feedback_too_long")
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {"unknown": 1})
    assert (r.status_code, error_of(r)["code"]) == (400, "validation_error")
    assert Subscription.objects.get(pk=sub_id).status == "active"


def test_callback_requests_that_cannot_assist() -> None:
    w = make_world(users=30)
    sub_id = buy(w, quantity=30)["id"]
    other_id = buy(w)["id"]
    assign_directly(sub_id, w.users)
    cb_other = w.api.post("/callback_requests", {"subscription": other_id, "phone": "+12065550100", "language": "en"}).json()["id"]
    r = w.op.post(f"/subscriptions/{sub_id}/cancel", {"callback_request": cb_other})
    assert (r.status_code, error_of(r)["code"]) == (409, "callback_request_other_subscription")
    cb = w.api.post("/callback_requests", {"subscription": sub_id, "phone": "+12065550100", "language": "en"}).json()["id"]
    assert w.op.post(f"/callback_requests/{cb}/resolve", {"outcome": "no_answer"}).status_code == 200
    r = w.op.post(f"/subscriptions/{sub_id}/cancel", {"callback_request": cb})
    assert (r.status_code, error_of(r)["code"]) == (409, "callback_request_not_open")
    r = w.op.post(f"/subscriptions/{sub_id}/cancel", {"callback_request": "cb_missing"})
    assert r.status_code == 404
    # Without a callback request even the operator follows the online rule.
    r = w.op.post(f"/subscriptions/{sub_id}/cancel", {})
    assert (r.status_code, error_of(r)["code"]) == (409, "too_many_licenses")
    assert Subscription.objects.get(pk=sub_id).status == "active"
    assert CallbackRequest.objects.get(pk=cb).outcome == "no_answer"


def test_an_open_unclaimed_request_also_lets_staff_assist() -> None:
    w = make_world(users=25)
    make_card(w.tenant)
    sub_id = buy(w, quantity=25)["id"]
    assign_directly(sub_id, w.users)
    cb = w.api.post("/callback_requests", {"subscription": sub_id, "phone": "+12065550100", "language": "en"}).json()["id"]
    decision = w.op.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert decision["code"] == "too_many_licenses"
    # Naming the request previews the assisted cancel, for staff only.
    preview = w.op.get(f"/subscriptions/{sub_id}/cancellation", {"callback_request": cb}).json()
    assert (preview["outcome"], preview["code"], preview["assisted"]) == ("allowed", "cancel_allowed", True)
    assert preview["refund_preview"]["amount"] == 50000
    tenant_view = w.api.get(f"/subscriptions/{sub_id}/cancellation", {"callback_request": cb}).json()
    assert (tenant_view["code"], tenant_view["assisted"]) == ("too_many_licenses", False)
    r = w.op.post(f"/subscriptions/{sub_id}/cancel", {"callback_request": cb})
    assert r.status_code == 200 and r.json()["subscription"]["cancel_assisted"] is True


def test_another_tenants_subscription_is_404_for_decision_and_cancel() -> None:
    w = make_world()
    stranger = make_world()
    sub_id = buy(stranger)["id"]
    assert w.api.get(f"/subscriptions/{sub_id}/cancellation").status_code == 404
    assert w.api.post(f"/subscriptions/{sub_id}/cancel", {}).status_code == 404
    assert Subscription.objects.get(pk=sub_id).status == "active"
