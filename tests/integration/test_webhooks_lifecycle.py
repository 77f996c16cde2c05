"""Real state changes through the API produce the webhook events, delivered and signed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from conftest import ApiClient
from factories import make_api_key, make_card, make_clock, make_plan, make_tenant, make_user, utc
from prorata.webhooks.delivery import deliver_due
from prorata.webhooks.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", got
    server.shutdown()
    server.server_close()


def test_purchase_license_and_cancel_are_delivered_as_events(receiver):
    url, got = receiver
    clock = make_clock(utc(2026, 2, 1, 11))
    tenant = make_tenant(test_clock=clock)
    make_card(tenant)
    plan = make_plan(unit_amount=2000)
    user = make_user(tenant)
    _, operator = make_api_key()
    _, key = make_api_key(tenant)
    api = ApiClient(key)
    secret = ApiClient(operator).post("/webhook_endpoints", {"url": url, "events": ["*"]}).json()["secret"]

    sub = api.post("/subscriptions", {"tenant": tenant.pk, "plan": plan.pk, "quantity": 2})
    assert sub.status_code == 201, sub.content
    sub_id = sub.json()["id"]
    assert api.post(f"/subscriptions/{sub_id}/licenses", {"user": user.pk}).status_code in (200, 201)
    clock.frozen_time = utc(2026, 2, 3, 11)
    clock.save()
    assert api.delete(f"/subscriptions/{sub_id}/licenses/{user.pk}").status_code in (200, 204)
    cancelled = api.post(f"/subscriptions/{sub_id}/cancel", {})
    assert cancelled.status_code == 200, cancelled.content

    types = list(Event.objects.filter(tenant=tenant).order_by("id").values_list("type", flat=True))
    for expected in ("subscription.created", "invoice.issued", "invoice.paid", "license.assigned",
                     "license.removed", "subscription.cancelled", "credit_note.created"):
        assert expected in types, types
    run = deliver_due(limit=1000)
    assert run.succeeded == len(types) and run.failed_attempts == 0

    payloads = [Webhook(secret).verify(body, headers) for headers, body in got]
    assert sorted(p["type"] for p in payloads) == sorted(types)
    cancel_event = next(p for p in payloads if p["type"] == "subscription.cancelled")
    assert cancel_event["data"]["object"]["status"] == "disabled"
    assert cancel_event["created_at"] == "2026-02-03T11:00:00Z"  # business time: the tenant's clock
    credit = next(p for p in payloads if p["type"] == "credit_note.created")["data"]["object"]
    # $20 x 2 seats for February, cancelled on day 3: 26 of 28 days unused -> $37.14.
    assert credit["amount"] == 3714
