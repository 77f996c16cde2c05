"""The role matrix, SPEC §1, table-driven over every API operation (from the OpenAPI document)
and every page (from the URL resolver).

API: the API takes only keys. Anonymous callers and signed-in people (a session, no key) get
401 on every operation; an operator key may do everything; a tenant key acts as its tenant's
global admin, so only the vendor's own work (catalog writes, tenants, test clocks, the support
engineers' callback queue) is refused to it.

Pages: anonymous people are sent to sign in; global admins open everything of their
organisation, billing admins billing but not users, users only the home page; support
engineers the support console; operators the back office. Everyone may open the public pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from test_fuzz_cross_tenant import body_for, world_b

from conftest import ApiClient, rolled_back
from factories import make_api_key, make_user
from prorata.api import api

pytestmark = pytest.mark.django_db
PREFIX = "/api/v1"

# Operations refused to a tenant key (403, or 404 where the object is vendor-only).
OPERATOR_ONLY = {
    "product_create", "plan_create", "test_clock_create", "test_clock_get", "test_clock_advance",
    "tenant_create", "callback_request_claim", "callback_request_resolve", "reports_cancellations", "callback_request_unclaim",
    # Pay by invoice: how a tenant pays, and the money an operator records or writes off.
    "tenant_set_collection", "invoice_payment_preview", "invoice_payment_record", "invoice_void_preview", "invoice_void",
    "invoice_mark_uncollectible_preview", "invoice_mark_uncollectible",
}
REFUSED = (403, 404)


PRODUCT = object()
EXTRA_FIELDS: dict[str, Any] = {
    "code": "role-matrix", "product": PRODUCT, "unit_amount": 1000, "interval": "month", "trial": False,
}


def isolated(send):
    """Run one request and undo whatever it changed, so every cell of the table starts equal."""
    with rolled_back():
        return send()


def operations(ids: dict[str, str]) -> list[tuple[str, str, str, dict, dict | None]]:
    document = api.get_openapi_schema()
    components = document.get("components", {}).get("schemas", {})
    out = []
    for path, ops in document["paths"].items():
        for method, operation in ops.items():
            concrete, query = path, {}
            for param in operation.get("parameters", []):
                name = param["name"]
                if param["in"] == "path":
                    key = "audit_event" if (name == "event_id" and "audit_events" in path) else name.removesuffix("_id")
                    concrete = concrete.replace("{" + name + "}", ids.get(key, "missing"))
                elif param["in"] == "query" and name in ("tenant", "user", "product", "subscription"):
                    query[name] = ids[name]
            body, _ = body_for(operation, components, ids)
            if body is not None:
                # Valid enough to pass validation, so that the role check is what answers.
                for name, value in EXTRA_FIELDS.items():
                    if name in components.get(operation["requestBody"]["content"]["application/json"]["schema"]
                                              .get("$ref", "").rsplit("/", 1)[-1], {}).get("properties", {}):
                        body.setdefault(name, ids["product"] if value is PRODUCT else value)
            out.append((operation["operationId"], method.upper(), concrete.removeprefix(PREFIX), query, body))
    return out


def send(client: Any, method: str, path: str, query: dict, body: dict | None, headers: dict | None = None):
    if query:
        path = f"{path}?{urlencode(query)}"
    if isinstance(client, ApiClient):
        if method == "GET":
            return client.get(path)
        if method == "DELETE":
            return client.delete(path)
        return client.post(path, body or {})
    url = PREFIX + path
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    return client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def world(settings):
    settings.PRORATA_RATE_LIMIT = 0
    ids, tenant_secret = world_b()
    from prorata.tenants.models import Tenant

    tenant = Tenant.objects.get(pk=ids["tenant"])
    ids["clock"] = tenant.test_clock_id
    _, operator_secret = make_api_key()
    people = {
        role: make_user(tenant if role in ("global_admin", "billing_admin", "user") else None, role=role, password="pw-12345678")
        for role in ("global_admin", "billing_admin", "user", "support_engineer", "operator")
    }
    return {"ids": ids, "tenant_key": tenant_secret, "operator_key": operator_secret, "people": people}


def test_api_role_matrix(world, capsys):
    ids = world["ids"]
    table = operations(ids)
    assert len(table) >= 40
    operator, tenant = ApiClient(world["operator_key"]), ApiClient(world["tenant_key"])
    sessions = {}
    for role, person in world["people"].items():
        client = Client()
        client.force_login(person)
        sessions[role] = client
    wrong = []
    for op_id, method, path, query, body in table:
        cells = {"anonymous": (ApiClient(), 401), "operator_key": (operator, "allowed"),
                 "tenant_key": (tenant, "refused" if op_id in OPERATOR_ONLY else "allowed")}
        cells.update({f"session:{role}": (client, 401) for role, client in sessions.items()})
        for who, (client, expected) in cells.items():
            status = isolated(lambda c=client, m=method, p=path, q=query, b=body: send(c, m, p, q, b)).status_code
            ok = (
                status == expected if isinstance(expected, int)
                else status in REFUSED if expected == "refused"
                else status not in (401, 403) and status < 500 and (method != "GET" or status == 200)
            )
            if not ok:
                wrong.append((who, op_id, method, path, status, expected))
    assert not wrong, "\n".join(map(str, wrong))
    with capsys.disabled():
        print(f"\nrole matrix (API): {len(table)} operations x {3 + len(sessions)} callers, all as SPEC §1 says")


# --- pages ---------------------------------------------------------------------------------------

PUBLIC, SIGNED_IN, USERS, BILLING, SUPPORT, BACKOFFICE = "public", "signed_in", "users", "billing", "support", "backoffice"
REPORTS = "reports"  # the vendor's reports in the operator console
CONSOLE = "console"  # the operator's console (catalog, tenants, credits)
# Who opens each area (SPEC §1, §7; the Microsoft 365 admin center's roles).
AREA_ROLES = {
    PUBLIC: {"anonymous", "global_admin", "billing_admin", "user", "support_engineer", "operator"},
    SIGNED_IN: {"global_admin", "billing_admin", "user", "support_engineer", "operator"},
    USERS: {"global_admin"},
    BILLING: {"global_admin", "billing_admin"},
    SUPPORT: {"support_engineer"},
    BACKOFFICE: {"operator"},
    REPORTS: {"operator"},
    CONSOLE: {"operator"},
}
# Pages that name their object in the query string ("Let us call you" for one subscription).
PAGE_QUERY = {"support:request_new": "subscription"}
ROLES = ("anonymous", "global_admin", "billing_admin", "user", "support_engineer", "operator")


def page_area(route: str, name: str) -> str:
    """The area of a page, by its URL name, so that pages added later fall into a known area."""
    if route.startswith("backoffice/"):
        return BACKOFFICE
    if route.startswith(("reports/", "operator/")):
        return REPORTS
    if route.startswith("console/"):
        return CONSOLE
    if name in ("web:home",):
        return SIGNED_IN
    if name.startswith("web:") or name in ("set_language",):
        return PUBLIC
    if name == "stripe_webhook":
        return PUBLIC  # Stripe's events: authenticated by their signature, not by a session
    if name == "licenses:jwks":
        return PUBLIC  # the public keys that verify license tokens: for anyone to fetch
    if name.startswith(("tenants:user", "licenses:")):
        return USERS
    if name.startswith("support:") and not name.startswith("support:request"):
        return SUPPORT
    return BILLING


def pages(ids: dict[str, str]) -> list[tuple[str, str, str]]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), (f"{namespace}:" if namespace else "") + str(p.name), p

    out = []
    for route, name, _pattern in walk(get_resolver().url_patterns):
        if route.startswith("api/") or (route.startswith("backoffice/") and route != "backoffice/"):
            continue
        if "uidb64" in route or "(?P" in route:
            continue  # password-reset links carry a signed token; the reset form is covered unsigned
        url = "/" + route
        for converter, arg in (("<str:", ">"),):
            while converter in url:
                start = url.index(converter)
                end = url.index(arg, start)
                key = url[start + len(converter):end].removesuffix("_id")
                url = url[:start] + str(ids.get(key, "missing")) + url[end + 1:]
        if name in PAGE_QUERY:
            url += "?" + urlencode({PAGE_QUERY[name]: ids[PAGE_QUERY[name]]})
        out.append((route, name, url))
    return out


def test_page_role_matrix(world, capsys):
    ids = dict(world["ids"])
    from prorata.tenants.models import User

    ids["user"] = world["people"]["user"].pk  # a member of the same tenant
    listed = pages(ids)
    assert len(listed) >= 10
    clients = {"anonymous": Client()}
    for role, person in world["people"].items():
        client = Client()
        client.force_login(person)
        clients[role] = client
    wrong, counted = [], 0
    for route, name, url in listed:
        area = page_area(route, name)
        for role in ROLES:
            response = isolated(lambda c=clients[role], u=url: c.get(u))
            status, location = response.status_code, response.get("Location", "")
            counted += 1
            if role in AREA_ROLES[area]:
                ok = status < 400 or status == 405  # POST-only actions answer GET with 405
                ok = ok and not (status == 302 and ("signin" in location or "login" in location))
            elif role == "anonymous":
                ok = status == 302 and ("signin" in location or "login" in location)
            elif area == BACKOFFICE:
                ok = status == 302 and "login" in location  # the admin's own sign-in: staff only
            else:
                ok = status == 403
            if not ok:
                wrong.append((role, name, url, status, location))
    assert User.objects.filter(pk=world["people"]["user"].pk).exists()
    assert not wrong, "\n".join(map(str, wrong))
    with capsys.disabled():
        print(f"\nrole matrix (pages): {len(listed)} pages x {len(ROLES)} roles = {counted} cells, all as SPEC §1 says")
