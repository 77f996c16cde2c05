"""Callback requests ("Let us call you") and the support queue, through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_subscriptions_helpers import T0, buy, error_of, make_world, move_clock

from factories import make_user
from prorata.audit.models import AuditEvent
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, Forbidden
from prorata.support.models import CallbackRequest
from prorata.support.services import callback_request_claim, callback_request_resolve

pytestmark = pytest.mark.django_db


def _ask(w, sub_id, phone="(206) 555-0100", language="en", **kw):
    return w.api.post("/callback_requests", {"subscription": sub_id, "phone": phone, "language": language, **kw})


@pytest.mark.parametrize(("country", "raw", "e164"), [
    ("US", "(206) 555-0100", "+12065550100"),
    ("US", "206 555 0100", "+12065550100"),
    ("CN", "010 5555 0100", "+861055550100"),
    ("CN", "138 0013 8000", "+8613800138000"),
    ("CN", "+44 20 7946 0958", "+442079460958"),
])
def test_phone_numbers_are_stored_as_e164_with_the_tenants_country(country, raw, e164) -> None:
    w = make_world(tenant={"country": country})
    sub_id = buy(w)["id"]
    r = _ask(w, sub_id, raw, "zh-Hans", preferred_time="morning", note="Please call")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["phone"] == e164
    assert (body["status"], body["language"], body["preferred_time"], body["note"]) == ("open", "zh-Hans", "morning", "Please call")
    assert body["created_at"] == "2026-02-01T11:00:00Z"
    assert body["requested_by"].startswith("api_key:")
    assert AuditEvent.objects.filter(action="callback_request.created", object_id=body["id"]).count() == 1


@pytest.mark.parametrize("raw", ["12345", "not a phone", "", "+1 555"])
def test_an_invalid_phone_is_refused_and_nothing_is_stored(raw) -> None:
    w = make_world()
    sub_id = buy(w)["id"]
    r = _ask(w, sub_id, raw)
    assert (r.status_code, error_of(r)["code"]) == (400, "invalid_phone")
    assert not CallbackRequest.objects.exists()


def test_language_and_lengths_are_checked() -> None:
    w = make_world()
    sub_id = buy(w)["id"]
    r = _ask(w, sub_id, language="fr")
    assert (r.status_code, error_of(r)["code"]) == (400, "invalid_callback_language")
    assert _ask(w, sub_id, language="ZH-HANS").json()["language"] == "zh-Hans"
    r = _ask(w, sub_id, note="x" * 2001)
    assert (r.status_code, error_of(r)["code"]) == (400, "callback_text_too_long")
    assert CallbackRequest.objects.count() == 1


def test_another_tenants_subscription_is_not_found() -> None:
    w = make_world()
    stranger = make_world()
    their_sub = buy(stranger)["id"]
    r = _ask(w, their_sub)
    assert r.status_code == 404
    assert not CallbackRequest.objects.exists()


def test_queue_visibility_and_order() -> None:
    w = make_world()
    stranger = make_world()
    mine = buy(w)["id"]
    theirs = buy(stranger)["id"]
    first = _ask(w, mine).json()["id"]
    move_clock(stranger, T0 + timedelta(minutes=5))
    second = _ask(stranger, theirs).json()["id"]
    third = _ask(w, mine).json()["id"]

    assert [c["id"] for c in w.api.get("/callback_requests").json()["data"]] == [first, third]
    assert [c["id"] for c in w.op.get("/callback_requests").json()["data"]] == [first, second, third]
    assert w.api.get(f"/callback_requests/{second}").status_code == 404
    assert w.api.get(f"/callback_requests/{first}").json()["id"] == first

    w.op.post(f"/callback_requests/{second}/claim")
    assert [c["id"] for c in w.op.get("/callback_requests", {"status": "open"}).json()["data"]] == [first, third]
    assert [c["id"] for c in w.op.get("/callback_requests", {"status": "in_progress"}).json()["data"]] == [second]
    r = w.op.get("/callback_requests", {"status": "closed"})
    assert (r.status_code, error_of(r)["code"]) == (400, "invalid_callback_status")


def test_claim_and_resolve() -> None:
    w = make_world()
    sub_id = buy(w)["id"]
    cb = _ask(w, sub_id).json()["id"]

    # A tenant key may read its request, but not work it.
    r = w.api.post(f"/callback_requests/{cb}/claim")
    assert (r.status_code, error_of(r)["code"]) == (403, "forbidden")
    r = w.api.post(f"/callback_requests/{cb}/resolve", {"outcome": "no_answer"})
    assert r.status_code == 403

    move_clock(w, T0 + timedelta(hours=1))
    r = w.op.post(f"/callback_requests/{cb}/claim")
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["claimed_at"]) == ("in_progress", "2026-02-01T12:00:00Z")
    r = w.op.post(f"/callback_requests/{cb}/claim")
    assert (r.status_code, error_of(r)["code"]) == (409, "callback_already_claimed")

    r = w.op.post(f"/callback_requests/{cb}/resolve", {"outcome": "maybe"})
    assert (r.status_code, error_of(r)["code"]) == (400, "invalid_callback_outcome")
    r = w.op.post(f"/callback_requests/{cb}/resolve", {"outcome": "resolved_other", "note": "Explained the bill"})
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["outcome"], body["resolution_note"]) == ("resolved", "resolved_other", "Explained the bill")
    assert body["resolved_at"] == "2026-02-01T12:00:00Z"
    r = w.op.post(f"/callback_requests/{cb}/resolve", {"outcome": "no_answer"})
    assert (r.status_code, error_of(r)["code"]) == (409, "callback_already_resolved")
    r = w.op.post(f"/callback_requests/{cb}/claim")
    assert (r.status_code, error_of(r)["code"]) == (409, "callback_already_resolved")
    actions = list(AuditEvent.objects.filter(object_id=cb).values_list("action", flat=True))
    assert actions == ["callback_request.created", "callback_request.claimed", "callback_request.resolved"]
    assert w.op.post("/callback_requests/cb_missing/claim").status_code == 404


def test_support_engineers_claim_in_their_own_name_and_tenant_users_cannot() -> None:
    w = make_world(users=1)
    sub_id = buy(w)["id"]
    cb = _ask(w, sub_id).json()["id"]
    engineer = make_user(None, role="support_engineer")
    staff = Actor(kind="user", id=engineer.pk, label="E", is_support=True, role="support_engineer")
    admin = Actor(kind="user", id=w.users[0].pk, tenant_id=w.tenant.pk, role="global_admin")
    with pytest.raises(Forbidden):
        callback_request_claim(actor=admin, request_id=cb)
    claimed = callback_request_claim(actor=staff, request_id=cb)
    assert claimed.claimed_by_id == engineer.pk
    with pytest.raises(Conflict) as info:
        callback_request_claim(actor=staff, request_id=cb)
    assert info.value.code == "callback_already_claimed"
    done = callback_request_resolve(actor=staff, request_id=cb, outcome="no_answer")
    assert (done.status, done.outcome) == ("resolved", "no_answer")


def test_messages_in_chinese() -> None:
    w = make_world(language="zh-Hans")
    sub_id = buy(w)["id"]
    r = _ask(w, sub_id, "123")
    assert error_of(r)["message"].startswith("“123”不是我们可以拨打的电话号码")


def test_the_console_queue_is_oldest_first_in_business_time() -> None:
    from prorata.support.selectors import callback_requests_queue

    late = make_world(T0 + timedelta(days=2))
    early = make_world(T0)
    late_cb = _ask(late, buy(late)["id"]).json()["id"]  # created first, but later in business time
    early_cb = _ask(early, buy(early)["id"]).json()["id"]
    staff = Actor(kind="user", id="user_x", is_support=True, role="support_engineer")
    assert [c.pk for c in callback_requests_queue(actor=staff)] == [early_cb, late_cb]
    assert [c.pk for c in callback_requests_queue(actor=staff, status="resolved")] == []
    tenant_admin = Actor(kind="api_key", id="k", tenant_id=late.tenant.pk, role="global_admin")
    assert [c.pk for c in callback_requests_queue(actor=tenant_admin)] == [late_cb]
