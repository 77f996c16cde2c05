"""Input the database cannot hold is refused with a code, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from test_subscriptions_helpers import buy, make_world

from prorata.audit.models import AuditEvent
from prorata.catalog.models import Product
from prorata.support.models import CallbackRequest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/subscriptions/sub_a%00b", "/subscriptions/sub_a%00b/cancellation", "/callback_requests/cb_%00", "/tenants/%00"],
)
def test_a_nul_in_the_path_names_nothing(path):
    world = make_world()
    response = world.op.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_nul_in_the_query_is_refused():
    world = make_world()
    response = world.op.get("/subscriptions", {"tenant": "ten_\x00"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_a_nul_in_a_json_string_is_refused_by_its_field_and_changes_nothing():
    world = make_world()
    before = (Product.objects.count(), AuditEvent.objects.count())
    response = world.op.post("/products", {"code": "nul-name", "name": "Suite\u0000E3"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_name"
    assert (Product.objects.count(), AuditEvent.objects.count()) == before


def test_a_nul_in_the_page_path_is_not_found(client):
    assert client.get("/billing/subscriptions/sub_%00/").status_code == 404


def test_overlong_callback_fields_are_refused_on_every_database():
    world = make_world()
    sub = buy(world)
    response = world.api.post(
        "/callback_requests",
        {"subscription": sub["id"], "phone": "+14155550100", "language": "en", "preferred_time": "x" * 500},
    )
    assert 400 <= response.status_code < 500, response.content
    assert CallbackRequest.objects.count() == 0
