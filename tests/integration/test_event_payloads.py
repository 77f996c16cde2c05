"""Typed event payloads: every event's `data.object` is its object's API schema, with its id, and
the last event of an object carries what the API returns for it. docs/events.md documents every
event type with an example that parses with its schema.

Regenerate the examples with `PRORATA_WRITE_EVENT_DOCS=1 .venv/bin/pytest tests/integration/test_event_payloads.py`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import ApiClient
from factories import make_api_key, make_card, make_clock, make_plan, make_tenant, make_user, utc
from prorata.billing.models import Invoice
from prorata.core.actor import Actor
from prorata.events import EVENT_OBJECTS, OBJECT_SCHEMAS, validate_object
from prorata.licenses.services import license_assign, license_remove
from prorata.subscriptions.engine import advance_clock
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import (
    invoice_mark_uncollectible,
    invoice_payment_record,
    invoice_void,
    subscription_cancel,
    subscription_change_quantity,
    subscription_purchase,
    subscription_reactivate,
)
from prorata.support.services import (
    callback_request_claim,
    callback_request_create,
    callback_request_resolve,
)
from prorata.tenants.models import PaymentMethod
from prorata.webhooks.domain.events import EVENT_TYPES
from prorata.webhooks.models import Event

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"
OPERATOR = Actor(kind="api_key", id="key_ev", label="operator", is_operator=True, role="operator")


def walk() -> dict:
    """A calendar walk that makes every event type happen at least once."""
    clock = make_clock(utc(2026, 1, 5, 9))
    contoso = make_tenant(name="Contoso", test_clock=clock)
    make_card(contoso)
    northwind = make_tenant(name="Northwind", test_clock=clock)  # no card: its trial expires
    fabrikam = make_tenant(name="Fabrikam", test_clock=clock)
    make_card(fabrikam)
    plan = make_plan(unit_amount=2000, trial_days=14)
    users = [make_user(contoso, email=f"u{i}@contoso.test") for i in range(2)]
    # Pays by invoice: transfers recorded, a renewal left unpaid past its due date, a void.
    litware = make_tenant(name="Litware", test_clock=clock, collection="send_invoice", days_until_due=14)

    trial = subscription_purchase(actor=OPERATOR, tenant_id=contoso.pk, plan_id=plan.pk, quantity=2, trial=True)
    subscription_purchase(actor=OPERATOR, tenant_id=northwind.pk, plan_id=plan.pk, quantity=1, trial=True)
    paid = subscription_purchase(actor=OPERATOR, tenant_id=contoso.pk, plan_id=plan.pk, quantity=3)
    dunned = subscription_purchase(actor=OPERATOR, tenant_id=fabrikam.pk, plan_id=plan.pk, quantity=1)
    license_assign(actor=OPERATOR, subscription_id=paid.pk, user_id=users[0].pk)
    license_assign(actor=OPERATOR, subscription_id=paid.pk, user_id=users[1].pk)
    license_remove(actor=OPERATOR, subscription_id=paid.pk, user_id=users[1].pk)
    subscription_change_quantity(actor=OPERATOR, subscription_id=paid.pk, quantity=4)
    PaymentMethod.objects.filter(tenant=fabrikam).delete()
    make_card(fabrikam, "4000000000000341")
    sent = subscription_purchase(actor=OPERATOR, tenant_id=litware.pk, plan_id=plan.pk, quantity=2)
    first = Invoice.objects.get(subscription=sent)
    invoice_payment_record(actor=OPERATOR, invoice_id=first.pk, amount=1000, reference="BANK-1")
    invoice_payment_record(actor=OPERATOR, invoice_id=first.pk, amount=3000, reference="BANK-2")
    advance_clock(clock, utc(2026, 2, 20), actor=OPERATOR)  # conversion, renewals, a decline, retries, expiry, overdue
    invoice_mark_uncollectible(actor=OPERATOR, invoice_id=Invoice.objects.get(subscription=sent, status="open").pk)
    extra = subscription_purchase(actor=OPERATOR, tenant_id=litware.pk, plan_id=plan.pk, quantity=1)
    invoice_void(actor=OPERATOR, invoice_id=Invoice.objects.get(subscription=extra).pk)
    engineer = make_user(None, role="support_engineer")
    support = Actor(kind="user", id=engineer.pk, label="Sara", is_support=True, role="support_engineer")
    request = callback_request_create(actor=OPERATOR, subscription_id=paid.pk, phone="+14255550100", language="en")
    callback_request_claim(actor=support, request_id=request.pk)
    callback_request_resolve(actor=support, request_id=request.pk, outcome="resolved_other", note="called back")
    subscription_cancel(actor=OPERATOR, subscription_id=paid.pk, reason="too_expensive")
    PaymentMethod.objects.filter(tenant=fabrikam).delete()
    make_card(fabrikam, "4242424242424242")
    clock.refresh_from_db()
    subscription_reactivate(actor=OPERATOR, subscription_id=dunned.pk)
    advance_clock(clock, utc(2026, 9, 1), actor=OPERATOR)  # settlement and refund, grace, disabled, deleted
    return {"trial": trial, "paid": paid, "dunned": dunned, "tenant": contoso}


def test_every_event_carries_its_objects_api_schema_with_its_id():
    walk()
    events = list(Event.objects.select_related("audit_event").order_by("id"))
    assert {e.type for e in events} == set(EVENT_TYPES)
    for event in events:
        obj = event.data["object"]
        parsed = validate_object(event.type, obj)
        assert obj["id"] == event.audit_event.object_id, event.type
        # Exactly the schema's fields: nothing of the audit row's own details leaks into it.
        assert set(obj) == set(type(parsed).model_fields), event.type


def test_the_last_event_of_an_object_is_what_the_api_returns_for_it():
    w = walk()
    _key, secret = make_api_key()
    api = ApiClient(secret)
    routes = {"subscription": "/subscriptions/{}", "invoice": "/invoices/{}", "callback_request": "/callback_requests/{}"}
    last: dict[tuple[str, str], dict] = {}
    for event in Event.objects.select_related("audit_event").order_by("id"):
        kind = EVENT_OBJECTS[event.type]
        last[(kind, event.data["object"]["id"])] = event.data["object"]
    compared = 0
    for (kind, object_id), obj in last.items():
        if kind not in routes or (kind == "subscription" and obj["status"] == "deleted"):
            continue
        response = api.get(routes[kind].format(object_id))
        assert response.status_code == 200
        body = response.json()
        if kind == "subscription":
            # Licenses can be assigned or removed without a subscription event.
            body["assigned_licenses"] = obj["assigned_licenses"]
        assert body == obj, (kind, object_id)
        compared += 1
    assert compared >= 10
    paid = Subscription.objects.get(pk=w["paid"].pk)
    assert paid.status in ("disabled", "deleted")


def _documented() -> dict[str, dict]:
    text = DOCS.read_text(encoding="utf-8")
    found = {}
    for event_type, body in re.findall(r"^### `([a-z_]+\.[a-z_]+)`\n.*?```json\n(.*?)\n```", text, re.S | re.M):
        found[event_type] = json.loads(body)
    return found


def test_docs_list_every_event_type_with_an_example_its_schema_parses():
    if os.environ.get("PRORATA_WRITE_EVENT_DOCS") == "1":
        _write_docs()
    documented = _documented()
    assert sorted(documented) == sorted(EVENT_TYPES)
    for event_type, payload in documented.items():
        assert payload["type"] == event_type
        validate_object(event_type, payload["data"]["object"])


def _write_docs() -> None:
    from prorata.webhooks.delivery import event_payload

    walk()
    examples = {}
    for event in Event.objects.select_related("audit_event").order_by("id"):
        examples.setdefault(event.type, event_payload(event))
    lines = [
        "# Webhook events",
        "",
        "Every change of state that a vendor's integration follows is an event, delivered to the",
        "webhook endpoints that listen for its type (signed per Standard Webhooks, retried with",
        "backoff). An event is written in the same transaction as the change it reports, so it exists",
        "exactly when the change was committed.",
        "",
        "Every event has the same envelope: `id`, `type`, `created_at` (the business time of the change,",
        "a test clock's time for a tenant on one) and `data.object`, the object after the change (before",
        "it, for a removal) in **exactly the shape the API returns for it** — the same schema as",
        "`GET /subscriptions/{id}`, `GET /invoices/{id}` and so on, always with its `id`.",
        "",
        "| type | `data.object` | schema in the OpenAPI document |",
        "|---|---|---|",
    ]
    for event_type in EVENT_TYPES:
        kind = EVENT_OBJECTS[event_type]
        lines.append(f"| `{event_type}` | {kind.replace('_', ' ')} | `{OBJECT_SCHEMAS[kind].__name__}` |")
    lines += ["", "Facts of the change that are not the object's (who cancelled with assistance, which credit",
              "note, which payment attempt failed) are in the audit log (`GET /audit_events`, `details`).", "",
              "## Examples", "", "Taken from a calendar walk on a test clock.", ""]
    for event_type in EVENT_TYPES:
        lines += [f"### `{event_type}`", "", "```json", json.dumps(examples[event_type], indent=2, ensure_ascii=False),
                  "```", ""]
    DOCS.write_text("\n".join(lines), encoding="utf-8")
