"""Cross-tenant pass: tenant A's key on every operation, aimed at tenant B's objects, gets 404 and
changes nothing. Operations come from the OpenAPI document, so later routes are covered too.

Every tenant-owned id of B goes wherever the document names it: a path parameter, a `tenant`,
`user`, `subscription`... query parameter or body field. The same requests with B's own key
succeed (2xx), which proves the ids were real and the refusals meaningful.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction

from conftest import ApiClient
from factories import make_api_key, make_card, make_clock, make_plan, make_tenant, make_user, utc
from prorata.api import api
from prorata.audit.models import AuditEvent
from prorata.audit.services import audit_record
from prorata.core.actor import SYSTEM
from prorata.webhooks.models import Event

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
# Body and query fields that name an object: which of B's ids they get.
FIELD_IDS = {"tenant": "tenant", "user": "user", "subscription": "subscription", "callback_request": "request"}
DEFAULTS: dict[str, Any] = {
    "phone": "+14155550100", "language": "en", "url": "https://b.example.test/hook", "events": ["*"],
    "quantity": 3, "enabled": False, "card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035,
    "cvc": "123", "email": "new-person@example.test", "display_name": "New Person", "role": "user",
    "outcome": "no_answer", "reason": "", "feedback": "", "note": "", "frozen_time": "2026-06-01T00:00:00Z",
    "name": "Someone Else", "country": "US", "currency": "USD", "timezone": "UTC",
    "collection": "send_invoice", "days_until_due": 14, "amount": 100, "reference": "BANK-1",
    "legal_name": "Someone Else Ltd",
}
# Changes of state beyond B's reach are only checked on the tables of the product's own apps.
APPS = ("catalog", "tenants", "subscriptions", "licenses", "billing", "support", "audit", "webhooks")


def world_b() -> tuple[dict[str, str], str]:
    clock = make_clock(utc(2026, 3, 1, 9))
    tenant = make_tenant(test_clock=clock)
    make_card(tenant)
    plan = make_plan(trial_days=0)
    user = make_user(tenant, role="user")
    _, key = make_api_key(tenant)
    b = ApiClient(key)
    sub = b.post("/subscriptions", {"tenant": tenant.pk, "plan": plan.pk, "quantity": 5}).json()
    assert b.post(f"/subscriptions/{sub['id']}/licenses", {"user": user.pk}).status_code in (200, 201)
    request = b.post("/callback_requests", {"subscription": sub["id"], "phone": "+14155550100", "language": "en"}).json()
    endpoint = b.post("/webhook_endpoints", {"url": "https://b.example.test/", "events": ["*"]}).json()
    with transaction.atomic():
        audit_record(actor=SYSTEM, action="subscription.updated", object_type="subscription", object_id=sub["id"],
                     tenant_id=tenant.pk, at=utc(2026, 3, 1, 9), after={"id": sub["id"]})
    ids = {
        "tenant": tenant.pk, "user": user.pk, "subscription": sub["id"], "request": request["id"],
        "endpoint": endpoint["id"], "product": plan.product_id, "plan": plan.pk,
        "pm": tenant.payment_methods.get().pk,
        "invoice": tenant.invoices.order_by("id").first().pk,
        "event": Event.objects.filter(tenant=tenant).order_by("id").first().pk,
        "audit_event": str(AuditEvent.objects.filter(tenant=tenant).order_by("id").first().pk),
    }
    return ids, key


def path_value(path: str, name: str, ids: dict[str, str]) -> str | None:
    if name == "event_id" and path.startswith(f"{PREFIX}/audit_events"):
        return ids["audit_event"]
    return ids.get(name.removesuffix("_id"))


def body_for(operation: dict[str, Any], components: dict[str, Any], ids: dict[str, str]) -> tuple[dict | None, bool]:
    """A plausible body naming B's objects; and whether it names any of them."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None, False
    ref = content["schema"].get("$ref", "")
    schema = components.get(ref.rsplit("/", 1)[-1], {})
    body: dict[str, Any] = {}
    names_b = False
    for name in schema.get("properties", {}):
        if name in FIELD_IDS:
            body[name] = ids[FIELD_IDS[name]]
            names_b = True
        elif name in DEFAULTS:
            body[name] = DEFAULTS[name]
        elif name == "plan":
            body[name] = ids["plan"]
        elif name == "product":
            body[name] = ids["product"]
    return body, names_b


def requests_against_b(ids: dict[str, str]) -> list[tuple[str, str, dict, dict | None]]:
    """(method, path, query, body) of every operation that names one of B's tenant-owned objects."""
    document = api.get_openapi_schema()
    components = document.get("components", {}).get("schemas", {})
    out = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            concrete, query, names_b, complete = path, {}, False, True
            for param in operation.get("parameters", []):
                name = param["name"]
                if param["in"] == "path":
                    value = path_value(path, name, ids)
                    if value is None:
                        complete = False
                        continue
                    concrete = concrete.replace("{" + name + "}", value)
                    names_b = names_b or name.removesuffix("_id") not in ("product", "plan")
                elif param["in"] == "query" and name in FIELD_IDS:
                    query[name] = ids[FIELD_IDS[name]]
                    names_b = True
                elif param["in"] == "query" and name == "product":
                    query[name] = ids["product"]
            body, body_names_b = body_for(operation, components, ids)
            if complete and (names_b or body_names_b):
                out.append((method.upper(), concrete.removeprefix(PREFIX), query, body))
    return out


def call(client: ApiClient, method: str, path: str, query: dict, body: dict | None):
    if query:
        from urllib.parse import urlencode

        path = f"{path}?{urlencode(query)}"
    if method == "GET":
        return client.get(path)
    if method == "DELETE":
        return client.delete(path)
    return client.post(path, body or {})


def snapshot() -> str:
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in APPS:
            state[model._meta.label] = sorted(json.dumps(row, sort_keys=True, default=str) for row in model.objects.values())
    return json.dumps(state, sort_keys=True)


def test_tenant_a_gets_404_on_every_operation_naming_tenant_b_and_nothing_changes(settings, capsys):
    settings.PRORATA_RATE_LIMIT = 0
    ids, key_b = world_b()
    tenant_a = make_tenant()
    make_card(tenant_a)
    _, key_a = make_api_key(tenant_a)
    a = ApiClient(key_a)
    requests = requests_against_b(ids)
    assert len(requests) >= 20

    b = ApiClient(key_b)
    before = snapshot()
    wrong, role_refusals = [], []
    for method, path, query, body in requests:
        response = call(a, method, path, query, body)
        code = response.json().get("error", {}).get("code") if response.content else None
        if response.status_code == 404 and code == "not_found":
            continue
        if response.status_code == 403 and code == "forbidden" and call(b, method, path, query, body).status_code == 403:
            # Refused for the role whatever the object (B's own key is refused too): no existence leaks.
            role_refusals.append((method, path))
            continue
        wrong.append((method, path, query, response.status_code, response.content[:200]))
    after = snapshot()
    assert not wrong, "\n".join(map(str, wrong))
    assert after == before

    # The reads with B's own key succeed: the ids were B's real objects.
    reads = [(m, p, q, body) for m, p, q, body in requests if m == "GET"]
    refused = [(p, q, r.status_code) for m, p, q, body in reads if (r := call(b, m, p, q, body)).status_code != 200]
    assert not refused, refused
    with capsys.disabled():
        print(f"\ncross-tenant: {len(requests)} operations aimed at tenant B: "
              f"{len(requests) - len(role_refusals)} answered 404, {len(role_refusals)} refused for the role "
              f"(as for B's own key: {role_refusals}); nothing changed; {len(reads)} reads succeed with B's key")
