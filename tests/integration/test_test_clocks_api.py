"""Test clocks through the HTTP API: create, read, advance (forward only), operator only."""

from __future__ import annotations

from datetime import datetime

import pytest

from conftest import ApiClient
from factories import make_api_key, make_clock, make_tenant, utc
from prorata.audit.models import AuditEvent
from prorata.core.actor import SYSTEM, Actor
from prorata.tenants import selectors
from prorata.tenants.models import TestClock
from prorata.tenants.services import test_clocks as clock_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> ApiClient:
    return ApiClient(make_api_key()[1])


@pytest.fixture
def tenant_key() -> ApiClient:
    return ApiClient(make_api_key(make_tenant())[1])


def error(response) -> tuple[int, str]:  # noqa: ANN001
    return response.status_code, response.json()["error"]["code"]


def test_create_and_get_clock(operator: ApiClient) -> None:
    response = operator.post("/test_clocks", {"frozen_time": "2022-02-01T19:00:00+08:00", "name": "Feb demo"})
    assert response.status_code == 201
    clock = TestClock.objects.get()
    body = response.json()
    assert body == {"id": clock.pk, "name": "Feb demo", "frozen_time": "2022-02-01T11:00:00Z", "created_at": body["created_at"]}
    assert clock.frozen_time == utc(2022, 2, 1, 11)
    assert operator.get(f"/test_clocks/{clock.pk}").json() == body
    event = AuditEvent.objects.get(action="test_clock.created")
    assert (event.object_id, event.tenant_id, event.occurred_at) == (clock.pk, None, utc(2022, 2, 1, 11))


def test_name_is_optional(operator: ApiClient) -> None:
    response = operator.post("/test_clocks", {"frozen_time": "2026-01-31T00:00:00Z"})
    assert (response.status_code, response.json()["name"]) == (201, "")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"frozen_time": "2026-01-31T00:00:00"}, "invalid_time"),
        ({"frozen_time": "2026-01-31"}, "invalid_time"),
        ({"frozen_time": "yesterday"}, "invalid_time"),
        ({"frozen_time": "0001-01-01T00:00:00Z"}, "invalid_time"),
        ({"frozen_time": "2026-01-31T00:00:00Z", "name": "x" * 201}, "invalid_clock_name"),
        ({"frozen_time": 1767225600}, "validation_error"),
        ({}, "validation_error"),
    ],
)
def test_create_refusals_change_nothing(operator: ApiClient, body: dict, code: str) -> None:
    assert error(operator.post("/test_clocks", body)) == (400, code)
    assert TestClock.objects.count() == 0


def test_invalid_time_message(operator: ApiClient) -> None:
    response = ApiClient(operator.secret, language="zh-Hans").post("/test_clocks", {"frozen_time": "2026-01-31T00:00:00"})
    assert response.json()["error"] == {
        "code": "invalid_time",
        "message": "“frozen_time”必须是带时区的 RFC 3339 时间，例如 2026-01-31T00:00:00Z。",
        "details": {"field": "frozen_time"},
    }


def test_advance_moves_time_for_the_clocks_tenants(operator: ApiClient) -> None:
    clock = make_clock(utc(2026, 1, 31))
    tenant = make_tenant(test_clock=clock)
    response = operator.post(f"/test_clocks/{clock.pk}/advance", {"frozen_time": "2026-03-01T08:30:00Z"})
    assert response.status_code == 200
    assert response.json() == {
        "id": clock.pk, "name": "", "frozen_time": "2026-03-01T08:30:00Z", "created_at": "2026-01-31T00:00:00Z",
    }
    assert selectors.now_for(tenant) == utc(2026, 3, 1, 8, 30)
    event = AuditEvent.objects.get(action="test_clock.advanced")
    assert (event.before, event.after) == (
        {"frozen_time": "2026-01-31T00:00:00+00:00"}, {"frozen_time": "2026-03-01T08:30:00+00:00"}
    )


def test_clock_cannot_go_backwards(operator: ApiClient) -> None:
    clock = make_clock(utc(2026, 3, 1))
    response = operator.post(f"/test_clocks/{clock.pk}/advance", {"frozen_time": "2026-02-28T23:59:59Z"})
    assert error(response) == (409, "clock_cannot_go_backwards")
    assert response.json()["error"]["details"] == {
        "frozen_time": "2026-03-01T00:00:00+00:00", "requested": "2026-02-28T23:59:59+00:00",
    }
    assert response.json()["error"]["message"] == (
        "A test clock only moves forward: it is at 2026-03-01T00:00:00+00:00 and cannot go back to 2026-02-28T23:59:59+00:00."
    )
    clock.refresh_from_db()
    assert clock.frozen_time == utc(2026, 3, 1)
    assert not AuditEvent.objects.filter(action="test_clock.advanced").exists()


def test_advance_to_the_same_time_is_a_no_op(operator: ApiClient) -> None:
    clock = make_clock(utc(2026, 3, 1))
    response = operator.post(f"/test_clocks/{clock.pk}/advance", {"frozen_time": "2026-03-01T08:00:00+08:00"})
    assert (response.status_code, response.json()["frozen_time"]) == (200, "2026-03-01T00:00:00Z")
    assert not AuditEvent.objects.filter(action="test_clock.advanced").exists()


def test_advance_refusals(operator: ApiClient) -> None:
    clock = make_clock(utc(2026, 3, 1))
    assert error(operator.post(f"/test_clocks/{clock.pk}/advance", {"frozen_time": "2026-04-01T00:00:00"})) == (400, "invalid_time")
    assert error(operator.post("/test_clocks/clock_missing/advance", {"frozen_time": "2026-04-01T00:00:00Z"})) == (404, "not_found")
    assert error(operator.post(f"/test_clocks/{clock.pk}/advance", raw="{")) == (400, "invalid_json")
    assert error(operator.post(f"/test_clocks/{clock.pk}/advance", {"to": "2026-04-01T00:00:00Z"})) == (400, "validation_error")
    clock.refresh_from_db()
    assert clock.frozen_time == utc(2026, 3, 1)


def test_tenant_keys_cannot_use_clocks(tenant_key: ApiClient) -> None:
    clock = make_clock(utc(2026, 3, 1))
    assert error(tenant_key.post("/test_clocks", {"frozen_time": "2026-01-31T00:00:00Z"})) == (403, "forbidden")
    assert error(tenant_key.get(f"/test_clocks/{clock.pk}")) == (404, "not_found")
    assert error(tenant_key.post(f"/test_clocks/{clock.pk}/advance", {"frozen_time": "2026-04-01T00:00:00Z"})) == (404, "not_found")
    clock.refresh_from_db()
    assert clock.frozen_time == utc(2026, 3, 1)
    assert TestClock.objects.count() == 1


def test_advance_delegates_to_the_billing_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = make_clock(utc(2026, 1, 1))
    calls = []

    def engine_advance(c: TestClock, to: datetime, *, actor: Actor) -> TestClock:
        calls.append((c.pk, to, actor))
        TestClock.objects.filter(pk=c.pk).update(frozen_time=to)
        return c

    monkeypatch.setattr(clock_services, "_engine_advance", lambda: engine_advance)
    result = clock_services.test_clock_advance(actor=SYSTEM, clock_id=clock.pk, to=utc(2026, 2, 1))
    assert calls == [(clock.pk, utc(2026, 2, 1), SYSTEM)]
    assert result.frozen_time == utc(2026, 2, 1)
    assert AuditEvent.objects.get(action="test_clock.advanced").after == {"frozen_time": "2026-02-01T00:00:00+00:00"}


def test_advance_without_an_engine_sets_the_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = make_clock(utc(2026, 1, 1))
    monkeypatch.setattr(clock_services, "_engine_advance", lambda: None)
    result = clock_services.test_clock_advance(actor=SYSTEM, clock_id=clock.pk, to=utc(2026, 2, 1))
    clock.refresh_from_db()
    assert (result.frozen_time, clock.frozen_time) == (utc(2026, 2, 1), utc(2026, 2, 1))
    assert AuditEvent.objects.filter(action="test_clock.advanced").count() == 1


def test_now_for_a_tenant_without_clock_is_system_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from prorata.core import clock as core_clock

    monkeypatch.setattr(core_clock.SystemClock, "now", lambda self: utc(2030, 5, 5, 5))
    assert selectors.now_for(make_tenant()) == utc(2030, 5, 5, 5)
    assert selectors.now_for(None) == utc(2030, 5, 5, 5)


def test_now_for_reads_the_clock_fresh() -> None:
    clock = make_clock(utc(2026, 1, 1))
    tenant = make_tenant(test_clock=clock)
    TestClock.objects.filter(pk=clock.pk).update(frozen_time=utc(2026, 7, 1))
    assert selectors.now_for(tenant) == utc(2026, 7, 1)
