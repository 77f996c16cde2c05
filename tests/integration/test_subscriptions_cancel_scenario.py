"""SPEC's cancellation scenario end to end through the API: R1, R3, R5, R6 and assisted cancel."""

from __future__ import annotations

import pytest
from test_subscriptions_helpers import T0, assign_directly, buy, error_of, make_world, move_clock

from factories import make_user, utc
from prorata.audit.models import AuditEvent
from prorata.billing.models import CreditNote
from prorata.subscriptions.models import StatusChange, Subscription
from prorata.support.models import CallbackRequest

pytestmark = pytest.mark.django_db


def test_twenty_five_assigned_blocks_then_one_removed_allows_and_cancel_credits_the_exact_amount() -> None:
    w = make_world(users=30)  # default policy: max 24 assigned for online cancel
    assert (w.plan.max_assigned_for_online_cancel, w.plan.cancel_window_hours) == (24, None)
    sub = buy(w, quantity=30)
    sub_id = sub["id"]
    for user in w.users[:25]:
        assert w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": user.pk}).status_code == 201
    assert w.api.get(f"/subscriptions/{sub_id}").json()["assigned_licenses"] == 25

    # 25 assigned is not "fewer than 25": blocked, one user to remove, two ways out.
    decision = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert decision["outcome"] == "blocked"
    assert decision["code"] == "too_many_licenses"
    assert decision["assigned_licenses"] == 25
    assert decision["max_assigned_for_online_cancel"] == 24
    assert decision["users_to_remove"] == 1
    assert decision["options"] == ["remove_users", "request_callback"]
    assert decision["refund_preview"] is None
    assert "25" in decision["message"] and "24" in decision["message"]

    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {"reason": "too_expensive"})
    assert r.status_code == 409
    err = error_of(r)
    assert err["code"] == "too_many_licenses"
    assert err["details"]["users_to_remove"] == 1
    assert err["details"]["assigned_licenses"] == 25
    assert err["details"]["options"] == ["remove_users", "request_callback"]
    assert Subscription.objects.get(pk=sub_id).status == "active"
    assert not AuditEvent.objects.filter(action="subscription.cancelled").exists()

    # Remove one user's license: 24 assigned, allowed, with the refund preview.
    assert w.api.delete(f"/subscriptions/{sub_id}/licenses/{w.users[24].pk}").status_code == 204
    move_clock(w, utc(2026, 2, 3, 11))  # 2 of February's 28 days used
    decision = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert decision["outcome"] == "allowed"
    assert decision["code"] == "cancel_allowed"
    assert decision["assigned_licenses"] == 24
    assert decision["users_to_remove"] == 0
    # paid 30 x $20.00 = $600.00; unused 26/28 -> 55714.28... -> $557.14
    assert decision["refund_preview"] == {"amount": 55714, "currency": "USD", "settles_on": "2026-03-01T11:00:00Z"}
    assert "$557.14" in decision["message"]
    assert "March 1, 2026" in decision["message"]

    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {"reason": "too_expensive", "feedback": "Budget cut"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["subscription"]["status"] == "disabled"
    assert body["subscription"]["canceled_at"] == "2026-02-03T11:00:00Z"
    assert body["subscription"]["cancel_reason"] == "too_expensive"
    assert body["subscription"]["cancel_assisted"] is False
    assert body["subscription"]["recurring_billing"] is False
    note = body["credit_note"]
    assert (note["amount"], note["currency"], note["reason"], note["status"]) == (55714, "USD", "cancellation_proration", "pending")
    assert note["settles_on"] == "2026-03-01T11:00:00Z"

    cn = CreditNote.objects.get(subscription_id=sub_id)
    assert cn.amount == 55714 and cn.settles_on == utc(2026, 3, 1, 11)
    stored = Subscription.objects.get(pk=sub_id)
    assert stored.cancel_feedback == "Budget cut"
    assert stored.next_action_at == utc(2026, 5, 4, 11)  # disabled for 90 days, then deleted
    assert list(StatusChange.objects.filter(subscription_id=sub_id).values_list("from_status", "to_status", "event")) == [
        ("", "active", "created"), ("active", "disabled", "cancelled"),
    ]
    event = AuditEvent.objects.get(action="subscription.cancelled", object_id=sub_id)
    assert event.before["status"] == "active" and event.after["status"] == "disabled"
    assert event.details["assisted"] is False and event.details["credit_amount"] == 55714
    assert event.occurred_at == utc(2026, 2, 3, 11)

    # A disabled subscription no longer licenses its users.
    check = w.api.get("/licenses/check", {"tenant": w.tenant.pk, "user": w.users[0].pk, "product": w.plan.product_id}).json()
    assert check["licensed"] is False
    assert check["subscription"]["id"] == sub_id

    # Cancelling twice is refused.
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {})
    assert (r.status_code, error_of(r)["code"]) == (409, "already_cancelled")
    assert CreditNote.objects.filter(subscription_id=sub_id).count() == 1


def test_a_trial_without_a_payment_method_has_nothing_to_cancel() -> None:
    w = make_world(card=None)
    sub_id = buy(w, quantity=5, trial=True)["id"]
    decision = w.api.get(f"/subscriptions/{sub_id}/cancellation").json()
    assert decision["outcome"] == "nothing_to_cancel"
    assert decision["code"] == "trial_nothing_to_cancel"
    assert "March 3, 2026" in decision["message"]
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {})
    assert r.status_code == 409
    assert error_of(r)["code"] == "trial_nothing_to_cancel"
    assert error_of(r)["details"]["outcome"] == "nothing_to_cancel"
    stored = Subscription.objects.get(pk=sub_id)
    assert (stored.status, stored.canceled_at, stored.recurring_billing) == ("trialing", None, True)


def test_assisted_cancel_of_forty_assigned_through_a_claimed_callback_request() -> None:
    w = make_world(users=40)
    sub_id = buy(w, quantity=40)["id"]
    assign_directly(sub_id, w.users)
    move_clock(w, utc(2026, 2, 15, 11))  # 14 of 28 days used

    # The customer asks to be called.
    r = w.api.post("/callback_requests", {"subscription": sub_id, "phone": "(206) 555-0100", "language": "en"})
    assert r.status_code == 201
    cb_id = r.json()["id"]

    # A tenant key cannot waive the limit, even naming the callback request.
    r = w.api.post(f"/subscriptions/{sub_id}/cancel", {"callback_request": cb_id})
    assert (r.status_code, error_of(r)["code"]) == (409, "too_many_licenses")
    assert error_of(r)["details"]["users_to_remove"] == 16
    assert error_of(r)["details"]["assisted"] is False

    # A support engineer (operator key) claims it and cancels on the customer's behalf.
    r = w.op.post(f"/callback_requests/{cb_id}/claim")
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = w.op.post(f"/subscriptions/{sub_id}/cancel", {"reason": "no_longer_needed", "callback_request": cb_id})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["subscription"]["status"] == "disabled"
    assert body["subscription"]["cancel_assisted"] is True
    assert body["subscription"]["assigned_licenses"] == 40
    assert body["credit_note"]["amount"] == 40000  # 40 x $20.00 x 14/28

    event = AuditEvent.objects.get(action="subscription.cancelled", object_id=sub_id)
    assert event.details["assisted"] is True
    assert event.details["callback_request"] == cb_id
    assert event.details["assigned_licenses"] == 40
    assert event.actor.startswith("api_key:")
    cb = CallbackRequest.objects.get(pk=cb_id)
    assert (cb.status, cb.outcome, cb.resolved_at) == ("resolved", "cancelled_on_behalf", utc(2026, 2, 15, 11))
    assert AuditEvent.objects.filter(action="callback_request.resolved", object_id=cb_id).count() == 1

    # And the tenant reads it in its audit log.
    events = w.api.get("/audit_events", {"action": "subscription.cancelled"}).json()["data"]
    assert [(e["object_id"], e["details"]["assisted"]) for e in events] == [(sub_id, True)]


def test_a_support_engineer_signed_in_can_cancel_on_behalf() -> None:
    from prorata.core.actor import Actor
    from prorata.subscriptions.services import subscription_cancel
    from prorata.support.services import callback_request_claim, callback_request_create

    w = make_world(users=26)
    sub_id = buy(w, quantity=26)["id"]
    assign_directly(sub_id, w.users)
    engineer = make_user(None, role="support_engineer")
    staff = Actor(kind="user", id=engineer.pk, label="Engineer", is_support=True, role="support_engineer")
    admin = Actor(kind="api_key", id="key_x", tenant_id=w.tenant.pk, role="global_admin")
    cb = callback_request_create(actor=admin, subscription_id=sub_id, phone="+1 206 555 0100", language="zh-Hans")
    claimed = callback_request_claim(actor=staff, request_id=cb.pk)
    assert claimed.claimed_by_id == engineer.pk and claimed.claimed_at == T0
    sub, note = subscription_cancel(actor=staff, subscription_id=sub_id, callback_request_id=cb.pk)
    assert sub.status == "disabled" and sub.cancel_assisted is True
    assert sub.canceled_by == f"user:{engineer.pk}"
    assert note is not None and note.amount == 52000  # cancelled on the first day: everything back
