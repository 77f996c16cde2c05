"""Tenants and their users through the HTTP API: create, read, list, remove, isolation, refusals."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from factories import make_api_key, make_clock, make_plan, make_tenant, make_user, utc
from prorata.audit.models import AuditEvent
from prorata.licenses.models import License
from prorata.subscriptions.models import Subscription
from prorata.tenants.models import Tenant, User

pytestmark = pytest.mark.django_db

TENANT_BODY = {"name": "Contoso", "country": "CN", "language": "zh-Hans", "currency": "CNY", "timezone": "Asia/Shanghai"}


@pytest.fixture
def operator() -> ApiClient:
    return ApiClient(make_api_key()[1])


@pytest.fixture
def world() -> dict:
    contoso, fabrikam = make_tenant(name="Contoso"), make_tenant(name="Fabrikam", language="zh-Hans")
    admin = make_user(contoso, role="global_admin", email="admin@contoso.test")
    return {
        "contoso": contoso, "fabrikam": fabrikam, "admin": admin,
        "contoso_key": ApiClient(make_api_key(contoso)[1]),
        "fabrikam_key": ApiClient(make_api_key(fabrikam)[1]),
    }


def error(response) -> tuple[int, str]:  # noqa: ANN001
    return response.status_code, response.json()["error"]["code"]


def subscription(tenant: Tenant, quantity: int = 5) -> Subscription:
    start = utc(2026, 1, 1)
    return Subscription.objects.create(
        tenant=tenant, plan=make_plan(), quantity=quantity, status="active", billing_anchor=start,
        current_period_start=start, current_period_end=utc(2026, 2, 1), status_changed_at=start, created_at=start,
    )


# Tenants


def test_create_tenant(operator: ApiClient) -> None:
    response = operator.post("/tenants", {**TENANT_BODY, "country": "cn", "currency": "cny"})
    assert response.status_code == 201
    tenant = Tenant.objects.get()
    body = response.json()
    assert body == {
        "id": tenant.pk, "name": "Contoso", "country": "CN", "language": "zh-Hans", "currency": "CNY",
        "timezone": "Asia/Shanghai", "test_clock": None, "credit_balance": 0, "collection": "charge_automatically",
        "days_until_due": 30, "created_at": body["created_at"],
    }
    assert body["created_at"].endswith("Z")
    event = AuditEvent.objects.get(action="tenant.created")
    assert (event.tenant_id, event.object_id, event.after["timezone"]) == (tenant.pk, tenant.pk, "Asia/Shanghai")


def test_tenant_on_a_test_clock_is_created_at_the_clocks_time(operator: ApiClient) -> None:
    clock = make_clock(utc(2022, 2, 1, 11))
    response = operator.post("/tenants", {**TENANT_BODY, "test_clock": clock.pk})
    assert response.status_code == 201
    assert (response.json()["test_clock"], response.json()["created_at"]) == (clock.pk, "2022-02-01T11:00:00Z")
    assert AuditEvent.objects.get(action="tenant.created").occurred_at == utc(2022, 2, 1, 11)


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"country": "XX"}, 400, "invalid_country"),
        ({"country": "USA"}, 400, "invalid_country"),
        ({"country": "EU"}, 400, "invalid_country"),
        ({"country": "001"}, 400, "invalid_country"),
        ({"language": "fr"}, 400, "invalid_language"),
        ({"language": "zh-hans"}, 400, "invalid_language"),
        ({"currency": "ABC"}, 400, "unknown_currency"),
        ({"timezone": "Mars/Olympus_Mons"}, 400, "invalid_timezone"),
        ({"timezone": "asia/shanghai"}, 400, "invalid_timezone"),
        ({"timezone": ""}, 400, "invalid_timezone"),
        ({"name": " "}, 400, "invalid_tenant_name"),
        ({"name": "x" * 201}, 400, "invalid_tenant_name"),
        ({"test_clock": "clock_missing"}, 404, "not_found"),
        ({"timezone": 8}, 400, "validation_error"),
        ({"plan": "x"}, 400, "validation_error"),
    ],
)
def test_tenant_refusals_change_nothing(operator: ApiClient, changes: dict, status: int, code: str) -> None:
    response = operator.post("/tenants", {**TENANT_BODY, **changes})
    assert error(response) == (status, code)
    assert Tenant.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_missing_field_and_malformed_json(operator: ApiClient) -> None:
    body = dict(TENANT_BODY)
    del body["timezone"]
    response = operator.post("/tenants", body)
    assert error(response) == (400, "validation_error")
    assert response.json()["error"]["message"] == "Some fields are missing or not valid: timezone."
    assert error(operator.post("/tenants", raw='{"name": "Contoso"')) == (400, "invalid_json")
    assert Tenant.objects.count() == 0


def test_invalid_timezone_message(operator: ApiClient) -> None:
    response = operator.post("/tenants", {**TENANT_BODY, "timezone": "Moon/Base"})
    assert response.json()["error"] == {
        "code": "invalid_timezone",
        "message": "“Moon/Base” is not an IANA time zone name (for example “Asia/Shanghai”).",
        "details": {"field": "timezone"},
    }
    chinese = ApiClient(operator.secret, language="zh-Hans").post("/tenants", {**TENANT_BODY, "timezone": "Moon/Base"})
    assert chinese.json()["error"]["message"] == "“Moon/Base”不是 IANA 时区名称（例如“Asia/Shanghai”）。"


def test_tenant_key_cannot_create_tenants(world: dict) -> None:
    assert error(world["contoso_key"].post("/tenants", TENANT_BODY)) == (403, "forbidden")
    assert Tenant.objects.count() == 2


def test_get_tenant_with_credit_balance(world: dict, operator: ApiClient) -> None:
    contoso = world["contoso"]
    Tenant.objects.filter(pk=contoso.pk).update(credit_balance=1857)
    response = world["contoso_key"].get(f"/tenants/{contoso.pk}")
    assert response.status_code == 200
    assert response.json() == {
        "id": contoso.pk, "name": "Contoso", "country": "US", "language": "en", "currency": "USD",
        "timezone": "UTC", "test_clock": None, "credit_balance": 1857, "collection": "charge_automatically",
        "days_until_due": 30, "created_at": "2026-01-01T00:00:00Z",
    }
    assert operator.get(f"/tenants/{contoso.pk}").json()["credit_balance"] == 1857


def test_another_tenant_is_not_found(world: dict) -> None:
    fabrikam = world["fabrikam"]
    response = world["contoso_key"].get(f"/tenants/{fabrikam.pk}")
    assert error(response) == (404, "not_found")
    assert error(world["contoso_key"].get("/tenants/ten_missing")) == (404, "not_found")


def test_list_tenants(world: dict, operator: ApiClient) -> None:
    ids = sorted([world["contoso"].pk, world["fabrikam"].pk])
    listed = operator.get("/tenants")
    assert ([t["id"] for t in listed.json()["data"]], listed.json()["has_more"]) == (ids, False)
    first = operator.get("/tenants", {"limit": 1})
    assert ([t["id"] for t in first.json()["data"]], first.json()["has_more"]) == (ids[:1], True)
    rest = operator.get("/tenants", {"limit": 1, "starting_after": ids[0]})
    assert ([t["id"] for t in rest.json()["data"]], rest.json()["has_more"]) == (ids[1:], False)
    own = world["contoso_key"].get("/tenants")
    assert [t["id"] for t in own.json()["data"]] == [world["contoso"].pk]
    # Another tenant's id is no cursor for a tenant key.
    assert error(world["contoso_key"].get("/tenants", {"starting_after": world["fabrikam"].pk})) == (404, "not_found")


# Users


def test_create_user(world: dict) -> None:
    contoso = world["contoso"]
    response = world["contoso_key"].post(
        f"/tenants/{contoso.pk}/users", {"email": " Ada@Contoso.TEST ", "display_name": "Ada Lovelace", "role": "billing_admin"}
    )
    assert response.status_code == 201
    user = User.objects.get(email="ada@contoso.test")
    assert response.json() == {
        "id": user.pk, "tenant": contoso.pk, "email": "ada@contoso.test", "display_name": "Ada Lovelace",
        "role": "billing_admin", "language": "", "created_at": response.json()["created_at"],
    }
    assert not user.has_usable_password()
    event = AuditEvent.objects.get(action="user.created")
    assert (event.tenant_id, event.object_id, event.after["role"]) == (contoso.pk, user.pk, "billing_admin")


def test_create_user_with_password(world: dict) -> None:
    contoso = world["contoso"]
    response = world["contoso_key"].post(
        f"/tenants/{contoso.pk}/users",
        {"email": "bob@contoso.test", "display_name": "Bob", "role": "user", "password": "correct horse battery"},
    )
    assert response.status_code == 201
    assert User.objects.get(pk=response.json()["id"]).check_password("correct horse battery")


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"email": "not-an-email"}, 400, "invalid_email"),
        ({"email": ""}, 400, "invalid_email"),
        ({"email": "admin@contoso.test"}, 409, "email_taken"),
        ({"email": "ADMIN@contoso.test"}, 409, "email_taken"),
        ({"role": "operator"}, 400, "invalid_role"),
        ({"role": "support_engineer"}, 400, "invalid_role"),
        ({"role": "owner"}, 400, "invalid_role"),
        ({"display_name": ""}, 400, "invalid_display_name"),
        ({"password": "short"}, 400, "invalid_password"),
        ({"password": "password"}, 400, "invalid_password"),
        ({"role": None}, 400, "validation_error"),
    ],
)
def test_user_refusals_change_nothing(world: dict, changes: dict, status: int, code: str) -> None:
    contoso = world["contoso"]
    body = {"email": "new@contoso.test", "display_name": "New", "role": "user", **changes}
    assert error(world["contoso_key"].post(f"/tenants/{contoso.pk}/users", body)) == (status, code)
    assert User.objects.count() == 1
    assert not AuditEvent.objects.filter(action="user.created").exists()


def test_email_taken_message(world: dict) -> None:
    contoso = world["contoso"]
    body = {"email": "admin@contoso.test", "display_name": "Again", "role": "user"}
    response = world["contoso_key"].post(f"/tenants/{contoso.pk}/users", body)
    assert response.json()["error"]["message"] == "A user with the email address admin@contoso.test already exists."
    chinese = ApiClient(world["contoso_key"].secret, language="zh-Hans").post(f"/tenants/{contoso.pk}/users", body)
    assert chinese.json()["error"]["message"] == "电子邮件地址为 admin@contoso.test 的用户已存在。"


def test_tenant_language_used_without_accept_language(world: dict) -> None:
    fabrikam = world["fabrikam"]
    response = world["fabrikam_key"].post(f"/tenants/{fabrikam.pk}/users", {"email": "x", "display_name": "X", "role": "user"})
    assert response.json()["error"]["message"] == "“x”不是有效的电子邮件地址。"


def test_users_of_another_tenant_are_not_found(world: dict) -> None:
    contoso, fabrikam = world["contoso"], world["fabrikam"]
    body = {"email": "spy@fabrikam.test", "display_name": "Spy", "role": "global_admin"}
    assert error(world["fabrikam_key"].post(f"/tenants/{contoso.pk}/users", body)) == (404, "not_found")
    assert error(world["fabrikam_key"].get(f"/tenants/{contoso.pk}/users")) == (404, "not_found")
    admin = world["admin"]
    assert error(world["fabrikam_key"].get(f"/tenants/{contoso.pk}/users/{admin.pk}")) == (404, "not_found")
    # Naming its own tenant in the path does not reach another tenant's user either.
    assert error(world["fabrikam_key"].delete(f"/tenants/{fabrikam.pk}/users/{admin.pk}")) == (404, "not_found")
    assert error(world["fabrikam_key"].delete(f"/tenants/{contoso.pk}/users/{admin.pk}")) == (404, "not_found")
    assert User.objects.filter(pk=admin.pk).exists()
    assert User.objects.count() == 1


def test_list_and_get_users(world: dict) -> None:
    contoso = world["contoso"]
    others = [make_user(contoso) for _ in range(2)]
    make_user(world["fabrikam"])
    ids = sorted([world["admin"].pk, *(u.pk for u in others)])
    listed = world["contoso_key"].get(f"/tenants/{contoso.pk}/users")
    assert ([u["id"] for u in listed.json()["data"]], listed.json()["has_more"]) == (ids, False)
    paged = world["contoso_key"].get(f"/tenants/{contoso.pk}/users", {"limit": 2})
    assert ([u["id"] for u in paged.json()["data"]], paged.json()["has_more"]) == (ids[:2], True)
    got = world["contoso_key"].get(f"/tenants/{contoso.pk}/users/{world['admin'].pk}")
    assert got.json() == {
        "id": world["admin"].pk, "tenant": contoso.pk, "email": "admin@contoso.test",
        "display_name": world["admin"].display_name, "role": "global_admin", "language": "",
        "created_at": "2026-01-01T00:00:00Z",
    }


def test_remove_user_frees_licenses(world: dict) -> None:
    contoso = world["contoso"]
    leaver = make_user(contoso, email="leaver@contoso.test")
    stayer = make_user(contoso)
    sub1, sub2 = subscription(contoso), subscription(contoso)
    lic1 = License.objects.create(tenant=contoso, subscription=sub1, user=leaver, assigned_at=utc(2026, 1, 2))
    lic2 = License.objects.create(tenant=contoso, subscription=sub2, user=leaver, assigned_at=utc(2026, 1, 2))
    kept = License.objects.create(tenant=contoso, subscription=sub1, user=stayer, assigned_at=utc(2026, 1, 2))

    response = world["contoso_key"].delete(f"/tenants/{contoso.pk}/users/{leaver.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert User.objects.get(pk=leaver.pk).deleted_at is not None  # a deleted user, restorable
    assert list(License.objects.values_list("pk", flat=True)) == [kept.pk]
    removed = AuditEvent.objects.filter(action="license.removed").order_by("object_id")
    assert [(e.object_id, e.before) for e in removed] == sorted(
        [(lic.pk, {"id": lic.pk, "subscription": lic.subscription_id, "user": leaver.pk, "email": "leaver@contoso.test",
                   "display_name": leaver.display_name, "assigned_at": "2026-01-02T00:00:00Z"}) for lic in (lic1, lic2)]
    )
    assert {e.details["reason"] for e in removed} == {"user_removed"}
    user_removed = AuditEvent.objects.get(action="user.removed")
    assert (user_removed.object_id, user_removed.before["email"]) == (leaver.pk, "leaver@contoso.test")
    # The user row is gone: a second removal is NotFound.
    assert error(world["contoso_key"].delete(f"/tenants/{contoso.pk}/users/{leaver.pk}")) == (404, "not_found")


def test_last_global_admin_cannot_be_removed(world: dict) -> None:
    contoso, admin = world["contoso"], world["admin"]
    response = world["contoso_key"].delete(f"/tenants/{contoso.pk}/users/{admin.pk}")
    assert error(response) == (409, "last_global_admin")
    assert User.objects.filter(pk=admin.pk).exists()
    second = make_user(contoso, role="global_admin")
    assert world["contoso_key"].delete(f"/tenants/{contoso.pk}/users/{admin.pk}").status_code == 204
    assert list(User.objects.filter(tenant=contoso, deleted_at__isnull=True).values_list("pk", flat=True)) == [second.pk]


def test_operator_manages_any_tenants_users(world: dict, operator: ApiClient) -> None:
    fabrikam = world["fabrikam"]
    created = operator.post(f"/tenants/{fabrikam.pk}/users", {"email": "op@fabrikam.test", "display_name": "Op", "role": "user"})
    assert created.status_code == 201
    assert operator.delete(f"/tenants/{fabrikam.pk}/users/{created.json()['id']}").status_code == 204
    assert not User.objects.filter(tenant=fabrikam, deleted_at__isnull=True).exists()


def test_openapi_describes_tenant_operations(operator: ApiClient) -> None:
    paths = operator.get("/openapi.json").json()["paths"]
    remove = paths["/api/v1/tenants/{tenant_id}/users/{user_id}"]["delete"]
    assert remove["operationId"] == "user_remove"
    assert {"204", "401", "403", "404", "409"} <= set(remove["responses"])
    assert paths["/api/v1/tenants"]["post"]["operationId"] == "tenant_create"


def test_ids_with_nul_bytes_are_not_found_on_every_database(world: dict, operator: ApiClient) -> None:
    # PostgreSQL text cannot hold NUL: such an id names nothing, and must not become a 500.
    contoso = world["contoso"]
    for path in ("/tenants/a%00b", "/plans/a%00b", "/products/x%00", "/test_clocks/c%00",
                 f"/tenants/{contoso.pk}/users/u%00"):
        assert error(operator.get(path)) == (404, "not_found"), path
    assert error(operator.get("/tenants", {"starting_after": "a\x00"})) == (400, "invalid_request")
    assert error(operator.delete(f"/tenants/{contoso.pk}/users/u%00")) == (404, "not_found")
    assert error(operator.delete(f"/tenants/{contoso.pk}/payment_methods/p%00")) == (404, "not_found")
    assert error(operator.post(f"/tenants/{contoso.pk}/payment_methods/p%00/default")) == (404, "not_found")
    assert error(operator.post("/test_clocks/c%00/advance", {"frozen_time": "2026-01-01T00:00:00Z"})) == (404, "not_found")
    assert error(operator.post("/tenants", {**TENANT_BODY, "test_clock": "c\x00"})) == (404, "not_found")
    plan = {"product": "p\x00", "code": "c", "name": "n", "currency": "USD", "unit_amount": 1, "interval": "month"}
    assert error(operator.post("/plans", plan)) == (404, "not_found")
    assert error(operator.post(f"/tenants/{contoso.pk}/users", {"email": "a\x00@b.test", "display_name": "x", "role": "user"})) == (400, "invalid_email")
    assert error(operator.post("/products", {"code": "ok", "name": "a\x00"})) == (400, "invalid_name")
    assert Tenant.objects.count() == 2
