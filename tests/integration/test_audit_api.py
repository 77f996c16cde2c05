"""GET /audit_events: paginated, oldest first, scoped by tenant."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from factories import make_api_key, make_tenant, utc
from prorata.audit.models import AuditEvent
from prorata.audit.services import audit_record
from prorata.core.actor import SYSTEM, Actor

pytestmark = pytest.mark.django_db


def _event(tenant_id: str | None, action: str, object_id: str, day: int) -> AuditEvent:
    actor = Actor(kind="user", id="user_x", label="Ada") if tenant_id else SYSTEM
    return audit_record(
        actor=actor, action=action, object_type=action.split(".")[0], object_id=object_id,
        tenant_id=tenant_id, at=utc(2026, 1, day, 9), before={"status": "active"} if day > 1 else None,
        after={"status": "disabled", "amount": 1857},
    )


@pytest.fixture
def world() -> dict:
    contoso, fabrikam = make_tenant(name="Contoso"), make_tenant(name="Fabrikam")
    AuditEvent.objects.all().delete()
    events = {
        "vendor": _event(None, "product.created", "prod_1", 1),
        "c1": _event(contoso.pk, "subscription.created", "sub_c", 2),
        "f1": _event(fabrikam.pk, "subscription.created", "sub_f", 3),
        "c2": _event(contoso.pk, "license.assigned", "lic_c", 4),
        "c3": _event(contoso.pk, "subscription.cancelled", "sub_c", 5),
    }
    _, operator = make_api_key()
    _, contoso_key = make_api_key(contoso)
    return {"contoso": contoso, "fabrikam": fabrikam, "events": events, "operator": ApiClient(operator), "contoso_key": ApiClient(contoso_key)}


def ids(response) -> list[int]:  # noqa: ANN001
    return [e["id"] for e in response.json()["data"]]


def test_tenant_key_sees_its_own_events_oldest_first(world: dict) -> None:
    ev = world["events"]
    response = world["contoso_key"].get("/audit_events")
    assert response.status_code == 200
    assert response.json()["has_more"] is False
    assert ids(response) == [ev["c1"].pk, ev["c2"].pk, ev["c3"].pk]
    first = response.json()["data"][0]
    assert first == {
        "id": ev["c1"].pk, "tenant": world["contoso"].pk, "actor": "user:user_x", "actor_label": "Ada",
        "action": "subscription.created", "object_type": "subscription", "object_id": "sub_c",
        "before": {"status": "active"}, "after": {"status": "disabled", "amount": 1857}, "details": None,
        "occurred_at": "2026-01-02T09:00:00Z", "recorded_at": first["recorded_at"],
    }
    # Naming its own tenant gives the same page.
    assert ids(world["contoso_key"].get("/audit_events", {"tenant": world["contoso"].pk})) == ids(response)


def test_tenant_key_cannot_read_another_tenant(world: dict) -> None:
    response = world["contoso_key"].get("/audit_events", {"tenant": world["fabrikam"].pk})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    event = world["events"]["f1"]
    assert world["contoso_key"].get(f"/audit_events/{event.pk}").status_code == 404
    assert world["contoso_key"].get(f"/audit_events/{world['events']['vendor'].pk}").status_code == 404


def test_operator_sees_everything_or_one_tenant(world: dict) -> None:
    ev = world["events"]
    everything = world["operator"].get("/audit_events")
    assert ids(everything) == [ev["vendor"].pk, ev["c1"].pk, ev["f1"].pk, ev["c2"].pk, ev["c3"].pk]
    fabrikam = world["operator"].get("/audit_events", {"tenant": world["fabrikam"].pk})
    assert ids(fabrikam) == [ev["f1"].pk]
    assert world["operator"].get(f"/audit_events/{ev['vendor'].pk}").json()["action"] == "product.created"


def test_filters(world: dict) -> None:
    ev = world["events"]
    assert ids(world["contoso_key"].get("/audit_events", {"action": "subscription.cancelled"})) == [ev["c3"].pk]
    assert ids(world["operator"].get("/audit_events", {"object_id": "sub_c"})) == [ev["c1"].pk, ev["c3"].pk]


def test_pagination_walks_every_event_once(world: dict) -> None:
    ev = world["events"]
    client = world["operator"]
    first = client.get("/audit_events", {"limit": 2})
    assert first.json()["has_more"] is True
    assert ids(first) == [ev["vendor"].pk, ev["c1"].pk]
    second = client.get("/audit_events", {"limit": 2, "starting_after": ids(first)[-1]})
    assert ids(second) == [ev["f1"].pk, ev["c2"].pk]
    assert second.json()["has_more"] is True
    third = client.get("/audit_events", {"limit": 2, "starting_after": ids(second)[-1]})
    assert ids(third) == [ev["c3"].pk]
    assert third.json()["has_more"] is False


def test_a_cursor_from_another_tenant_is_not_found(world: dict) -> None:
    response = world["contoso_key"].get("/audit_events", {"starting_after": world["events"]["f1"].pk})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"limit": 0}, 400, "invalid_limit"),
        ({"limit": 101}, 400, "invalid_limit"),
        ({"limit": "ten"}, 400, "validation_error"),
        ({"starting_after": "abc"}, 404, "not_found"),
        ({"starting_after": "-1"}, 404, "not_found"),
        ({"starting_after": "99999999999999999999999"}, 404, "not_found"),
        ({"tenant": "ten_nope"}, 404, "not_found"),
    ],
)
def test_bad_parameters_are_refused_with_a_code(world: dict, params: dict, status: int, code: str) -> None:
    response = world["operator"].get("/audit_events", params)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


@pytest.mark.parametrize("params", [{"action": "sub_c\x00"}, {"object_id": "sub_c\x00"}, {"tenant": "ten_\x00"}, {"starting_after": "1\x00"}])
def test_a_nul_byte_in_a_parameter_is_refused_at_the_edge(world: dict, params: dict) -> None:
    response = world["operator"].get("/audit_events", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_the_selector_itself_matches_nothing_for_a_nul_byte(world: dict) -> None:
    from prorata.audit.selectors import audit_events_list

    assert audit_events_list(actor=SYSTEM, action="subscription.created\x00") == ([], False)
    assert audit_events_list(actor=SYSTEM, object_id="sub_c\x00") == ([], False)
    assert [e.pk for e in audit_events_list(actor=SYSTEM, object_id="sub_c")[0]] == [world["events"]["c1"].pk, world["events"]["c3"].pk]


@pytest.mark.parametrize("path", ["/audit_events/0", "/audit_events/99999999999999999999999", "/audit_events/abc"])
def test_unknown_event_ids(world: dict, path: str) -> None:
    response = world["operator"].get(path)
    assert response.status_code in (400, 404)
    assert response.json()["error"]["code"] in ("not_found", "validation_error")


def test_without_a_key_is_unauthenticated(world: dict, anonymous_api: ApiClient) -> None:
    response = anonymous_api.get("/audit_events")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_the_operation_is_documented() -> None:
    schema = ApiClient().client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/audit_events"]["get"]
    assert operation["operationId"] == "audit_events_list"
    assert set(operation["responses"]) >= {"200", "400", "401", "404"}
