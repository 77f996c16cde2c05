"""Catalog through the HTTP API: products and plans, their policies, and every refusal."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from factories import make_api_key, make_plan, make_product, make_tenant
from prorata.audit.models import AuditEvent
from prorata.catalog.models import Plan, Product

pytestmark = pytest.mark.django_db

DEFAULT_POLICY = {
    "max_assigned_for_online_cancel": 24,
    "cancel_window_hours": None,
    "proration_unit": "day",
    "credit_settlement": "next_billing_cycle",
    "grace_days": 30,
    "disabled_days": 90,
}


@pytest.fixture
def operator() -> ApiClient:
    return ApiClient(make_api_key()[1])


@pytest.fixture
def tenant_key() -> ApiClient:
    return ApiClient(make_api_key(make_tenant())[1])


def plan_body(product_id: str, **kw: object) -> dict:
    return {"product": product_id, "code": "e3-monthly", "name": "E3 monthly", "currency": "USD",
            "unit_amount": 2000, "interval": "month", **kw}


def error(response) -> tuple[int, str]:  # noqa: ANN001
    return response.status_code, response.json()["error"]["code"]


# Products


def test_create_product(operator: ApiClient) -> None:
    response = operator.post("/products", {"code": "o365-e3", "name": "Office 365 E3", "names": {"zh-Hans": "Office 365 E3 企业版"}})
    assert response.status_code == 201
    body = response.json()
    product = Product.objects.get()
    assert body == {
        "id": product.pk, "code": "o365-e3", "name": "Office 365 E3",
        "names": {"zh-Hans": "Office 365 E3 企业版"}, "created_at": body["created_at"],
    }
    assert body["id"].startswith("prod_") and body["created_at"].endswith("Z")
    event = AuditEvent.objects.get(action="product.created")
    assert (event.object_id, event.tenant_id, event.actor.startswith("api_key:")) == (product.pk, None, True)


def test_product_name_is_trimmed_and_names_optional(operator: ApiClient) -> None:
    response = operator.post("/products", {"code": "basic", "name": "  Basic  "})
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["names"]) == ("Basic", {})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"code": "has space", "name": "X"}, "invalid_code"),
        ({"code": "", "name": "X"}, "invalid_code"),
        ({"code": "x" * 65, "name": "X"}, "invalid_code"),
        ({"code": "ok", "name": "   "}, "invalid_name"),
        ({"code": "ok", "name": "x" * 201}, "invalid_name"),
        ({"code": "ok", "name": "a\x00b"}, "invalid_name"),
        ({"code": "ok", "name": "X", "names": {"fr": "X"}}, "invalid_name"),
        ({"code": "ok", "name": "X", "names": {"zh-Hans": ""}}, "invalid_name"),
        ({"code": "ok"}, "validation_error"),
        ({"code": 5, "name": "X"}, "validation_error"),
        ({"code": "ok", "name": "X", "colour": "red"}, "validation_error"),
    ],
)
def test_product_refusals_change_nothing(operator: ApiClient, body: dict, code: str) -> None:
    assert error(operator.post("/products", body)) == (400, code)
    assert Product.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_product_code_taken(operator: ApiClient) -> None:
    make_product(code="o365-e3")
    response = operator.post("/products", {"code": "o365-e3", "name": "Again"})
    assert error(response) == (409, "code_taken")
    assert response.json()["error"]["message"] == "The code “o365-e3” is already in use."
    assert Product.objects.count() == 1


def test_tenant_key_cannot_create_catalog(tenant_key: ApiClient) -> None:
    product = make_product()
    assert error(tenant_key.post("/products", {"code": "x", "name": "X"})) == (403, "forbidden")
    assert error(tenant_key.post("/plans", plan_body(product.pk))) == (403, "forbidden")
    assert (Product.objects.count(), Plan.objects.count()) == (1, 0)


def test_unauthenticated(anonymous_api: ApiClient) -> None:
    assert error(anonymous_api.get("/products")) == (401, "unauthenticated")
    assert error(ApiClient("prk_nope").post("/products", {"code": "x", "name": "X"})) == (401, "unauthenticated")
    assert Product.objects.count() == 0


def test_malformed_json(operator: ApiClient) -> None:
    assert error(operator.post("/products", raw='{"code": "x",')) == (400, "invalid_json")
    assert error(operator.post("/plans", raw="not json")) == (400, "invalid_json")
    assert Product.objects.count() == 0


def test_list_and_paginate_products(operator: ApiClient, tenant_key: ApiClient) -> None:
    products = sorted((make_product(code=f"p{i}") for i in range(3)), key=lambda p: p.pk)
    ids = [p.pk for p in products]  # lists are ordered by id
    first = tenant_key.get("/products", {"limit": 2})
    assert first.status_code == 200
    assert [p["id"] for p in first.json()["data"]] == ids[:2]
    assert first.json()["has_more"] is True
    second = tenant_key.get("/products", {"limit": 2, "starting_after": ids[1]})
    assert (second.json()["data"][0]["id"], second.json()["has_more"]) == (ids[2], False)
    assert len(second.json()["data"]) == 1
    assert [p["id"] for p in operator.get("/products").json()["data"]] == ids
    assert operator.get(f"/products/{ids[0]}").json()["code"] == products[0].code


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_invalid_limit(operator: ApiClient, limit: int) -> None:
    response = operator.get("/products", {"limit": limit})
    assert error(response) == (400, "invalid_limit")
    assert response.json()["error"]["message"] == "The limit must be a whole number from 1 to 100."


def test_limit_not_a_number_and_unknown_cursor(operator: ApiClient) -> None:
    assert error(operator.get("/products", {"limit": "ten"})) == (400, "validation_error")
    assert error(operator.get("/products", {"starting_after": "prod_missing"})) == (404, "not_found")


# Plans


def test_create_plan_with_default_policy(operator: ApiClient) -> None:
    product = make_product()
    response = operator.post("/plans", plan_body(product.pk, currency="usd", trial_days=30))
    assert response.status_code == 201
    body = response.json()
    plan = Plan.objects.get()
    assert body == {
        "id": plan.pk, "product": product.pk, "code": "e3-monthly", "name": "E3 monthly", "currency": "USD",
        "unit_amount": 2000, "interval": "month", "trial_days": 30, "policy": DEFAULT_POLICY,
        "is_active": True, "created_at": body["created_at"],
    }
    assert (plan.max_assigned_for_online_cancel, plan.grace_days, plan.disabled_days) == (24, 30, 90)
    event = AuditEvent.objects.get(action="plan.created")
    assert event.after["unit_amount"] == 2000 and event.after["currency"] == "USD"


def test_create_plan_with_full_policy(operator: ApiClient) -> None:
    product = make_product()
    policy = {
        "max_assigned_for_online_cancel": None, "cancel_window_hours": 168, "proration_unit": "second",
        "credit_settlement": "keep_as_balance", "grace_days": 0, "disabled_days": 7,
    }
    response = operator.post("/plans", plan_body(product.pk, currency="JPY", unit_amount=1500, interval="year", policy=policy))
    assert response.status_code == 201
    assert response.json()["policy"] == policy
    assert (response.json()["currency"], response.json()["unit_amount"], response.json()["interval"]) == ("JPY", 1500, "year")
    plan = Plan.objects.get()
    assert (plan.max_assigned_for_online_cancel, plan.cancel_window_hours, plan.proration_unit) == (None, 168, "second")
    assert (plan.credit_settlement, plan.grace_days, plan.disabled_days) == ("keep_as_balance", 0, 7)


def test_trial_days_in_policy(operator: ApiClient) -> None:
    product = make_product()
    response = operator.post("/plans", plan_body(product.pk, policy={"trial_days": 14}))
    assert (response.status_code, response.json()["trial_days"]) == (201, 14)
    clash = operator.post("/plans", plan_body(product.pk, code="other", trial_days=30, policy={"trial_days": 14}))
    assert error(clash) == (400, "invalid_policy")


def test_zero_price_plan_is_allowed(operator: ApiClient) -> None:
    response = operator.post("/plans", plan_body(make_product().pk, unit_amount=0))
    assert (response.status_code, response.json()["unit_amount"]) == (201, 0)


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"currency": "XYZ"}, 400, "unknown_currency"),
        ({"currency": "US"}, 400, "unknown_currency"),
        ({"unit_amount": -1}, 400, "invalid_amount"),
        ({"unit_amount": 10**12 + 1}, 400, "invalid_amount"),
        ({"unit_amount": 10**20}, 400, "invalid_amount"),
        ({"unit_amount": 20.5}, 400, "validation_error"),
        ({"unit_amount": "2000"}, 400, "validation_error"),
        ({"interval": "week"}, 400, "invalid_interval"),
        ({"trial_days": -1}, 400, "invalid_trial_days"),
        ({"trial_days": 3651}, 400, "invalid_trial_days"),
        ({"code": "bad code!"}, 400, "invalid_code"),
        ({"name": ""}, 400, "invalid_name"),
        ({"product": "prod_missing"}, 404, "not_found"),
        ({"policy": {"max_assigned_for_online_cancel": -1}}, 400, "invalid_policy"),
        ({"policy": {"max_assigned_for_online_cancel": True}}, 400, "invalid_policy"),
        ({"policy": {"max_assigned_for_online_cancel": "24"}}, 400, "invalid_policy"),
        ({"policy": {"cancel_window_hours": -168}}, 400, "invalid_policy"),
        ({"policy": {"proration_unit": "hour"}}, 400, "invalid_policy"),
        ({"policy": {"credit_settlement": "never"}}, 400, "invalid_policy"),
        ({"policy": {"grace_days": None}}, 400, "invalid_policy"),
        ({"policy": {"disabled_days": 1.5}}, 400, "invalid_policy"),
        ({"policy": {"refund_everything": True}}, 400, "invalid_policy"),
        ({"policy": ["not", "an", "object"]}, 400, "validation_error"),
    ],
)
def test_plan_refusals_change_nothing(operator: ApiClient, changes: dict, status: int, code: str) -> None:
    product = make_product()
    response = operator.post("/plans", {**plan_body(product.pk), **changes})
    assert error(response) == (status, code)
    assert Plan.objects.count() == 0
    assert not AuditEvent.objects.filter(action="plan.created").exists()


def test_invalid_policy_names_the_field(operator: ApiClient) -> None:
    response = operator.post("/plans", plan_body(make_product().pk, policy={"grace_days": -5}))
    assert response.json()["error"] == {
        "code": "invalid_policy",
        "message": "The policy field “grace_days” is unknown or its value is not allowed.",
        "details": {"field": "grace_days", "min": 0, "max": 3650},
    }


def test_plan_code_taken(operator: ApiClient) -> None:
    existing = make_plan(code="e3-monthly")
    assert error(operator.post("/plans", plan_body(existing.product_id))) == (409, "code_taken")
    assert Plan.objects.count() == 1


def test_list_and_get_plans(operator: ApiClient, tenant_key: ApiClient) -> None:
    e3, e5 = make_product(code="e3"), make_product(code="e5")
    p1, p2, p3 = make_plan(e3, code="a"), make_plan(e5, code="b"), make_plan(e3, code="c", unit_amount=3500)
    listed = tenant_key.get("/plans")
    assert [p["id"] for p in listed.json()["data"]] == sorted([p1.pk, p2.pk, p3.pk])
    assert [p["id"] for p in tenant_key.get("/plans", {"product": e3.pk}).json()["data"]] == sorted([p1.pk, p3.pk])
    got = tenant_key.get(f"/plans/{p3.pk}")
    assert got.status_code == 200
    assert got.json() == {
        "id": p3.pk, "product": e3.pk, "code": "c", "name": p3.name, "currency": "USD", "unit_amount": 3500,
        "interval": "month", "trial_days": 0, "policy": DEFAULT_POLICY, "is_active": True,
        "created_at": "2026-01-01T00:00:00Z",
    }
    assert error(tenant_key.get("/plans/plan_missing")) == (404, "not_found")


def test_refusal_in_chinese(operator: ApiClient) -> None:
    chinese = ApiClient(operator.secret, language="zh-Hans")
    response = chinese.post("/plans", plan_body(make_product().pk, interval="week"))
    assert error(response) == (400, "invalid_interval")
    assert response.json()["error"]["message"] == "计费周期必须是“month”（月）或“year”（年）。"


def test_openapi_describes_catalog_operations(operator: ApiClient) -> None:
    spec = operator.get("/openapi.json").json()
    post_plans = spec["paths"]["/api/v1/plans"]["post"]
    assert post_plans["operationId"] == "plan_create"
    assert {"201", "400", "401", "403", "404", "409"} <= set(post_plans["responses"])
    assert spec["paths"]["/api/v1/products"]["get"]["operationId"] == "products_list"
