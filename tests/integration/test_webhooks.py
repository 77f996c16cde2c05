"""Webhook endpoints, the outbox written by audit_record, signing, retries and the API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from conftest import ApiClient
from factories import make_api_key, make_tenant, utc
from prorata.audit.services import audit_record
from prorata.core.actor import SYSTEM
from prorata.core.clock import system_clock
from prorata.webhooks.delivery import deliver_due, event_body
from prorata.webhooks.domain import backoff, signing
from prorata.webhooks.models import Delivery, DeliveryAttempt, Event, WebhookEndpoint

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP receiver on 127.0.0.1 that records every request; answers `status`."""

    def __init__(self, status: int = 200):
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def emit(tenant, action="subscription.created", obj=None, at=None):
    with transaction.atomic():
        return audit_record(
            actor=SYSTEM, action=action, object_type=action.split(".")[0], object_id="sub_x",
            tenant_id=tenant.pk, at=at or utc(2026, 3, 1, 12), after=obj or {"id": "sub_x", "status": "active"},
        )


# --- signing, pure -------------------------------------------------------------------------------

def test_signature_matches_the_standard_webhooks_reference_vector():
    # The test vector of the Standard Webhooks specification's reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    sig = signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_is_base64_hmac_sha256_of_id_timestamp_body():
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[6:])
    assert len(key) == 24
    expected = base64.b64encode(hmac.new(key, b"evt_1.1700000000.{}", hashlib.sha256).digest()).decode()
    assert signing.sign(secret, "evt_1", 1700000000, b"{}") == f"v1,{expected}"
    assert signing.verify(secret, "evt_1", "1700000000", b"{}", f"v1,{expected}", now=1700000010)
    assert not signing.verify(secret, "evt_1", "1700000000", b"{ }", f"v1,{expected}", now=1700000010)
    assert not signing.verify(secret, "evt_1", "1700000000", b"{}", f"v1,{expected}", now=1700000400)


def test_backoff_is_exponential_and_stops_after_three_days():
    start = utc(2026, 1, 1)
    times = backoff.schedule(start)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert gaps[:9] == [5, 15, 45, 135, 405, 1215, 3645, 10935, 32805]
    assert set(gaps[9:]) == {12 * 3600}
    assert len(times) == 14
    assert times[-1] <= start + timedelta(days=3) < times[-1] + timedelta(hours=12)
    assert backoff.next_attempt_at(start, times[-1], 14) is None


# --- endpoints API -------------------------------------------------------------------------------

def test_create_list_get_delete_endpoint_with_a_tenant_key():
    tenant = make_tenant()
    _, secret = make_api_key(tenant)
    api = ApiClient(secret)
    r = api.post("/webhook_endpoints", {"url": "https://example.test/hook", "events": ["invoice.paid", "subscription.created"]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["secret"].startswith("whsec_")
    assert body["tenant"] == tenant.pk
    assert body["events"] == ["invoice.paid", "subscription.created"]
    endpoint_id = body["id"]
    assert endpoint_id.startswith("we_")

    listed = api.get("/webhook_endpoints").json()
    assert [e["id"] for e in listed["data"]] == [endpoint_id]
    assert "secret" not in listed["data"][0]
    got = api.get(f"/webhook_endpoints/{endpoint_id}").json()
    assert got["url"] == "https://example.test/hook" and "secret" not in got

    assert api.delete(f"/webhook_endpoints/{endpoint_id}").status_code == 204
    assert api.get(f"/webhook_endpoints/{endpoint_id}").status_code == 404
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize("url", [
    "ftp://example.test/hook", "javascript:alert(1)", "file:///etc/passwd", "example.test/hook",
    "http://", "https://exa mple.test/", "http://example.test:99999/", "", "https://" + "a" * 2000 + ".test/",
])
def test_only_http_and_https_urls_are_accepted(url):
    _, secret = make_api_key()
    r = ApiClient(secret).post("/webhook_endpoints", {"url": url, "events": ["*"]})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "webhook_url_invalid"
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize("events", [[], ["subscription.exploded"], ["*", "nope"], ["tenant.created"]])
def test_unknown_event_types_are_refused(events):
    _, secret = make_api_key()
    r = ApiClient(secret).post("/webhook_endpoints", {"url": "https://example.test/", "events": events})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "webhook_events_invalid"
    assert WebhookEndpoint.objects.count() == 0


def test_refusal_messages_are_translated():
    _, secret = make_api_key()
    r = ApiClient(secret, language="zh-Hans").post("/webhook_endpoints", {"url": "ftp://x", "events": ["*"]})
    assert r.json()["error"]["code"] == "webhook_url_invalid"
    assert "URL" in r.json()["error"]["message"] and "必须" in r.json()["error"]["message"]


def test_tenant_key_cannot_touch_another_tenants_endpoints():
    a, b = make_tenant(), make_tenant()
    _, key_a = make_api_key(a)
    _, key_b = make_api_key(b)
    _, operator = make_api_key()
    made = ApiClient(key_b).post("/webhook_endpoints", {"url": "https://b.test/", "events": ["*"]}).json()
    vendor = ApiClient(operator).post("/webhook_endpoints", {"url": "https://vendor.test/", "events": ["*"]}).json()
    assert vendor["tenant"] is None
    api_a = ApiClient(key_a)
    for endpoint_id in (made["id"], vendor["id"]):
        assert api_a.get(f"/webhook_endpoints/{endpoint_id}").status_code == 404
        assert api_a.delete(f"/webhook_endpoints/{endpoint_id}").status_code == 404
        assert api_a.get(f"/webhook_endpoints/{endpoint_id}/deliveries").status_code == 404
    assert api_a.get("/webhook_endpoints").json()["data"] == []
    assert api_a.get("/webhook_endpoints", {"tenant": b.pk}).status_code == 404
    assert api_a.post("/webhook_endpoints", {"url": "https://a.test/", "events": ["*"], "tenant": b.pk}).status_code == 404
    assert WebhookEndpoint.objects.count() == 2
    # The operator sees both, and may create for a tenant.
    assert len(ApiClient(operator).get("/webhook_endpoints").json()["data"]) == 2
    r = ApiClient(operator).post("/webhook_endpoints", {"url": "https://a.test/", "events": ["*"], "tenant": a.pk})
    assert r.status_code == 201 and r.json()["tenant"] == a.pk


# --- outbox --------------------------------------------------------------------------------------

def test_audit_record_writes_the_event_and_one_delivery_per_listening_endpoint():
    a, b = make_tenant(), make_tenant()
    t = system_clock.now()
    mine = WebhookEndpoint.objects.create(tenant=a, url="https://a.test/", events=["subscription.created"], secret=signing.new_secret(), created_by="t", created_at=t)
    other_type = WebhookEndpoint.objects.create(tenant=a, url="https://a.test/2", events=["invoice.paid"], secret=signing.new_secret(), created_by="t", created_at=t)
    vendor = WebhookEndpoint.objects.create(tenant=None, url="https://v.test/", events=["*"], secret=signing.new_secret(), created_by="t", created_at=t)
    other_tenant = WebhookEndpoint.objects.create(tenant=b, url="https://b.test/", events=["*"], secret=signing.new_secret(), created_by="t", created_at=t)

    audit = emit(a, obj={"id": "sub_1", "status": "trialing"}, at=utc(2026, 3, 1, 12))
    event = Event.objects.get(audit_event=audit)
    assert event.type == "subscription.created"
    assert event.tenant_id == a.pk
    assert event.created_at == utc(2026, 3, 1, 12)
    assert event.data == {"object": {"id": "sub_1", "status": "trialing"}}
    targets = set(Delivery.objects.filter(event=event).values_list("endpoint_id", flat=True))
    assert targets == {mine.pk, vendor.pk}
    assert other_type.pk not in targets and other_tenant.pk not in targets

    payload = json.loads(event_body(event))
    assert payload == {"id": event.pk, "type": "subscription.created", "created_at": "2026-03-01T12:00:00Z",
                       "data": {"object": {"id": "sub_1", "status": "trialing"}}}


def test_non_webhook_actions_write_no_event():
    tenant = make_tenant()
    with transaction.atomic():
        audit_record(actor=SYSTEM, action="tenant.created", object_type="tenant", object_id=tenant.pk,
                     tenant_id=tenant.pk, at=utc(2026, 1, 1), after={"id": tenant.pk})
    assert Event.objects.count() == 0


def test_a_rolled_back_change_leaves_no_event():
    tenant = make_tenant()
    WebhookEndpoint.objects.create(tenant=None, url="https://v.test/", events=["*"], secret=signing.new_secret(), created_by="t", created_at=system_clock.now())

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        audit_record(actor=SYSTEM, action="invoice.paid", object_type="invoice", object_id="in_1",
                     tenant_id=tenant.pk, at=utc(2026, 1, 1), after={"id": "in_1"})
        raise Boom
    assert Event.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_removal_events_carry_the_object_before_it_was_removed():
    tenant = make_tenant()
    with transaction.atomic():
        audit = audit_record(actor=SYSTEM, action="license.removed", object_type="license", object_id="lic_1",
                             tenant_id=tenant.pk, at=utc(2026, 1, 1), before={"id": "lic_1", "user": "user_1"})
    assert Event.objects.get(audit_event=audit).data == {"object": {"id": "lic_1", "user": "user_1"}}


def test_events_list_reads_each_events_data_from_its_audit_row_with_the_page(settings):
    settings.PRORATA_RATE_LIMIT = 0  # its window's first request does one more query
    tenant = make_tenant()
    _, key = make_api_key(tenant)
    audits = [emit(tenant, obj={"id": f"sub_{i}", "status": "active"}) for i in range(12)]
    api = ApiClient(key)
    api.get("/events?limit=1")  # the key's first use is stamped once; not part of a page's cost

    def queries(path: str) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            body = api.get(path).json()
        return len(captured), body

    one, _ = queries("/events?limit=1")
    twelve, page = queries("/events?limit=12")
    assert [e["data"] for e in page["data"]] == [{"object": a.after} for a in audits]
    assert twelve == one  # not one more query per event


# --- delivery ------------------------------------------------------------------------------------

def test_delivery_is_signed_per_standard_webhooks_and_recorded(receiver):
    tenant = make_tenant()
    _, key = make_api_key(tenant)
    api = ApiClient(key)
    created = api.post("/webhook_endpoints", {"url": receiver.url, "events": ["*"]}).json()
    audit = emit(tenant, obj={"id": "sub_9", "status": "active"})
    event = Event.objects.get(audit_event=audit)

    run = deliver_due()
    assert (run.claimed, run.attempts, run.succeeded) == (1, 1, 1)
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert headers["webhook-id"] == event.pk
    assert headers["content-type"] == "application/json"
    assert headers["webhook-signature"].startswith("v1,")
    payload = Webhook(created["secret"]).verify(body, headers)  # the reference implementation
    assert payload["id"] == event.pk and payload["type"] == "subscription.created"
    assert payload["data"]["object"] == {"id": "sub_9", "status": "active"}

    listed = api.get(f"/webhook_endpoints/{created['id']}/deliveries").json()["data"]
    assert len(listed) == 1
    assert listed[0]["status"] == "succeeded" and listed[0]["event"] == event.pk
    assert [(a["number"], a["status_code"], a["succeeded"]) for a in listed[0]["attempts"]] == [(1, 200, True)]
    # Nothing is due any more: a second sweep sends nothing.
    assert deliver_due().attempts == 0
    assert len(receiver.requests) == 1

    events = api.get("/events").json()["data"]
    assert [e["id"] for e in events] == [event.pk]


def test_failures_are_retried_with_backoff_then_given_up_after_three_days(receiver):
    receiver.status = 500
    tenant = make_tenant()
    endpoint = WebhookEndpoint.objects.create(tenant=tenant, url=receiver.url, events=["*"], secret=signing.new_secret(), created_by="t", created_at=system_clock.now())
    emit(tenant)
    delivery = Delivery.objects.get(endpoint=endpoint)
    start = delivery.created_at
    now = start
    while True:
        deliver_due(now=now)
        delivery.refresh_from_db()
        if delivery.status != "pending":
            break
        # Early (one second before due) sends nothing; on time sends one attempt.
        before = delivery.attempts
        assert deliver_due(now=delivery.next_attempt_at - timedelta(seconds=1)).attempts == 0
        delivery.refresh_from_db()
        assert delivery.attempts == before
        now = delivery.next_attempt_at
    assert delivery.status == "failed"
    attempts = list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [a.attempted_at for a in attempts] == backoff.schedule(start)
    assert len(attempts) == 14 == len(receiver.requests)
    assert all(a.status_code == 500 and not a.succeeded for a in attempts)
    # Every retry carries the same webhook-id and the same body.
    assert {h["webhook-id"] for h, _ in receiver.requests} == {delivery.event_id}
    assert len({b for _, b in receiver.requests}) == 1


def test_unreachable_receiver_is_an_attempt_with_an_error():
    tenant = make_tenant()
    WebhookEndpoint.objects.create(tenant=tenant, url="http://127.0.0.1:9/nothing-listens", events=["*"], secret=signing.new_secret(), created_by="t", created_at=system_clock.now())
    emit(tenant)
    run = deliver_due()
    assert (run.attempts, run.failed_attempts) == (1, 1)
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code is None and attempt.error and not attempt.succeeded
    assert Delivery.objects.get().next_attempt_at == attempt.attempted_at + timedelta(seconds=5)


def test_a_crashed_workers_claim_expires_and_the_delivery_is_sent(receiver):
    tenant = make_tenant()
    WebhookEndpoint.objects.create(tenant=tenant, url=receiver.url, events=["*"], secret=signing.new_secret(), created_by="t", created_at=system_clock.now())
    emit(tenant)
    from prorata.webhooks.delivery import _claim

    now = system_clock.now()
    picked, _lease = _claim(now, 10, None)  # a worker claims, then dies before sending
    assert len(picked) == 1
    assert deliver_due(now=now).attempts == 0  # still leased
    assert deliver_due(now=now + timedelta(seconds=61)).succeeded == 1
    assert len(receiver.requests) == 1


def test_batch_writes_fan_out_like_single_ones():
    from prorata.core.actor import SYSTEM
    from prorata.platform.writer import Changes

    a, b = make_tenant(), make_tenant()
    t = system_clock.now()
    only_a = WebhookEndpoint.objects.create(tenant=a, url="https://a.test/", events=["subscription.renewed"], secret=signing.new_secret(), created_by="t", created_at=t)
    vendor = WebhookEndpoint.objects.create(tenant=None, url="https://v.test/", events=["*"], secret=signing.new_secret(), created_by="t", created_at=t)
    changes = Changes()
    for tenant in (a, b):
        for action in ("subscription.renewed", "invoice.issued", "billing.run"):
            changes.audit(actor=SYSTEM, tenant_id=tenant.pk, action=action, object_type="subscription",
                          object_id="sub_1", at=utc(2026, 4, 1), after={"id": "sub_1"})
    with transaction.atomic():
        changes.flush()
    assert len(changes.event_ids) == 4  # billing.run is no event
    pairs = sorted((d.endpoint_id == vendor.pk, d.event.tenant_id == a.pk, d.event.type)
                   for d in Delivery.objects.select_related("event"))
    assert pairs == sorted([
        (False, True, "subscription.renewed"),
        (True, True, "subscription.renewed"), (True, True, "invoice.issued"),
        (True, False, "subscription.renewed"), (True, False, "invoice.issued"),
    ])
    assert only_a.deliveries.count() == 1
