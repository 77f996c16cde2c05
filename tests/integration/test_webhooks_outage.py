"""A real receiver on 127.0.0.1 goes down for a while; every event still arrives, once, under one id.

The worker cycle is `deliver_due(now)`, called here with advancing times as the worker loop
would; HTTP is real. Also: deliveries are enqueued on the `webhooks` queue after commit only.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook

from conftest import ApiClient
from factories import make_api_key, make_tenant, utc
from prorata.audit.services import audit_record
from prorata.core.actor import SYSTEM
from prorata.core.clock import system_clock
from prorata.webhooks.delivery import deliver_due
from prorata.webhooks.models import Delivery, DeliveryAttempt, Event

TYPES = ["subscription.created", "license.assigned", "invoice.issued", "invoice.paid",
         "subscription.cancelled", "credit_note.created", "refund.created", "callback_request.created"]


class Receiver:
    """Records every request; `start()` / `stop()` bring it up and down on the same port."""

    def __init__(self):
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.port = 0
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.server = None

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def receiver():
    r = Receiver()
    r.start()
    yield r
    if r.server is not None:
        r.stop()


def emit(tenant, n, i):
    with transaction.atomic():
        audit_record(actor=SYSTEM, action=TYPES[i % len(TYPES)], object_type="x", object_id=f"obj_{n}_{i}",
                     tenant_id=tenant.pk, at=utc(2026, 2, 1) + timedelta(hours=i), after={"id": f"obj_{n}_{i}", "seq": i})


@pytest.mark.django_db
def test_every_event_is_delivered_after_an_outage_and_none_under_two_ids(receiver, capsys):
    a, b = make_tenant(), make_tenant()
    _, key_a = make_api_key(a)
    _, key_b = make_api_key(b)
    _, operator = make_api_key()
    endpoints = {
        "/a": ApiClient(key_a).post("/webhook_endpoints", {"url": receiver.url("/a"), "events": ["*"]}).json(),
        "/b": ApiClient(key_b).post("/webhook_endpoints", {"url": receiver.url("/b"), "events": ["invoice.paid", "refund.created"]}).json(),
        "/v": ApiClient(operator).post("/webhook_endpoints", {"url": receiver.url("/v"), "events": ["*"]}).json(),
    }
    secrets = {path: e["secret"] for path, e in endpoints.items()}

    # 1. Receiver up: the first events go straight through.
    for i in range(16):
        emit(a if i % 2 else b, 1, i)
    now = system_clock.now()
    first = deliver_due(now=now, limit=1000)
    assert first.failed_attempts == 0 and first.succeeded == first.attempts > 0

    # 2. Receiver down: more events; every worker cycle fails and backs off.
    receiver.stop()
    for i in range(40):
        emit(a if i % 2 else b, 2, i)
    outage_attempts = 0
    down_at = now = system_clock.now()
    # One hour of worker cycles (business of the backoff schedule, not of the wall clock).
    while now < down_at + timedelta(hours=1):
        run = deliver_due(now=now, limit=1000)
        assert run.succeeded == 0
        outage_attempts += run.attempts
        now = Delivery.objects.filter(status="pending").order_by("next_attempt_at").first().next_attempt_at
    pending = Delivery.objects.filter(status="pending").count()
    # Every delivery made during the outage was tried at 0 s, 5 s, 20 s, 65 s, 200 s, 605 s, 1820 s.
    assert outage_attempts == 7 * pending

    # 3. Receiver back on the same port; the worker keeps cycling until nothing is pending.
    receiver.start()
    cycles = 0
    while Delivery.objects.filter(status="pending").exists():
        now = max(now, Delivery.objects.filter(status="pending").order_by("next_attempt_at").first().next_attempt_at)
        deliver_due(now=now, limit=1000)
        cycles += 1
        assert cycles < 50

    events = Event.objects.count()
    deliveries = Delivery.objects.count()
    attempts = DeliveryAttempt.objects.count()
    delivered = Delivery.objects.filter(status="succeeded").count()
    assert events == 56
    assert delivered == deliveries
    assert Delivery.objects.filter(status="failed").count() == 0

    # Every request verifies with its endpoint's secret (reference implementation) ...
    seen: Counter = Counter()
    ids_per_payload: dict[tuple[str, str], set[str]] = {}
    for path, headers, body in receiver.requests:
        payload = Webhook(secrets[path]).verify(body, headers)
        assert payload["id"] == headers["webhook-id"]
        seen[(path, headers["webhook-id"])] += 1
        obj = json.dumps(payload["data"]["object"], sort_keys=True)
        ids_per_payload.setdefault((path, obj), set()).add(headers["webhook-id"])
    # ... each (endpoint, event) arrived exactly once, and no event came under two ids.
    expected = {(f"/{'v' if d.endpoint_id == endpoints['/v']['id'] else ('a' if d.endpoint_id == endpoints['/a']['id'] else 'b')}", d.event_id)
                for d in Delivery.objects.all()}
    assert set(seen) == expected
    assert set(seen.values()) == {1}
    assert all(len(ids) == 1 for ids in ids_per_payload.values())
    # Endpoint /b only got its two types, of tenant b only.
    b_types = {Event.objects.get(pk=eid).type for (p, eid) in seen if p == "/b"}
    assert b_types <= {"invoice.paid", "refund.created"}
    assert deliveries == 56 + 28 + len([1 for (p, _e) in seen if p == "/b"])

    # Every attempt is visible through the API.
    listed = []
    page = ApiClient(operator).get(f"/webhook_endpoints/{endpoints['/v']['id']}/deliveries", {"limit": 100}).json()
    listed.extend(page["data"])
    api_attempts = sum(len(d["attempts"]) for d in listed)
    assert api_attempts == DeliveryAttempt.objects.filter(delivery__endpoint_id=endpoints["/v"]["id"]).count()
    assert all(d["attempts"][-1]["succeeded"] and d["status"] == "succeeded" for d in listed)

    with capsys.disabled():
        print(f"\nwebhook outage: events={events} deliveries={deliveries} attempts={attempts} "
              f"failed_during_outage={outage_attempts} delivered={delivered} requests_received={len(receiver.requests)} "
              f"cycles_after_recovery={cycles}")


@pytest.mark.django_db(transaction=True)
def test_deliveries_are_enqueued_after_commit_and_sent_by_the_task(receiver):
    tenant = make_tenant()
    _, key = make_api_key(tenant)
    created = ApiClient(key).post("/webhook_endpoints", {"url": receiver.url("/t"), "events": ["*"]}).json()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        emit(tenant, 3, 0)
        raise Boom
    assert DBTaskResult.objects.filter(queue_name="webhooks").count() == 0

    emit(tenant, 3, 1)
    task = DBTaskResult.objects.get(queue_name="webhooks")
    assert task.task_path == "prorata.webhooks.tasks.deliver_webhooks"
    delivery = Delivery.objects.get()
    assert task.args_kwargs["kwargs"] == {"delivery_ids": [delivery.pk]}

    from prorata.webhooks.tasks import deliver_webhooks

    assert deliver_webhooks.call(delivery_ids=[delivery.pk]) == 1
    assert deliver_webhooks.call(delivery_ids=[delivery.pk]) == 0  # idempotent: already sent
    (path, headers, body), = receiver.requests
    assert Webhook(created["secret"]).verify(body, headers)["id"] == delivery.event_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_delivery_once(receiver):
    """Four workers sweep at once (SKIP LOCKED claims): every delivery is sent exactly once."""
    from django.db import connection

    tenant = make_tenant()
    _, key = make_api_key(tenant)
    ApiClient(key).post("/webhook_endpoints", {"url": receiver.url("/c"), "events": ["*"]})
    for i in range(60):
        emit(tenant, 4, i)
    now = system_clock.now() + timedelta(seconds=1)
    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            barrier.wait()
            total = 0
            while True:
                run = deliver_due(now=now, limit=5)
                if run.claimed == 0:
                    break
                total += run.attempts
                time.sleep(0)
            results.append(total)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 60
    assert Counter(h["webhook-id"] for _, h, _ in receiver.requests).most_common(1)[0][1] == 1
    assert len(receiver.requests) == 60
    assert DeliveryAttempt.objects.count() == 60


@pytest.mark.django_db
def test_the_sweep_is_queued_once_and_sends_what_is_due(receiver):
    from prorata.webhooks.tasks import enqueue_sweep, sweep_webhooks

    tenant = make_tenant()
    _, key = make_api_key(tenant)
    ApiClient(key).post("/webhook_endpoints", {"url": receiver.url("/s"), "events": ["*"]})
    emit(tenant, 5, 0)
    assert enqueue_sweep() is True
    assert enqueue_sweep() is False  # one waiting sweep is enough
    # Many cycles ran; one waiting sweep is enough, so exactly one is queued.
    assert DBTaskResult.objects.filter(queue_name="webhooks", task_path="prorata.webhooks.tasks.sweep_webhooks").count() == 1
    assert sweep_webhooks.call() == 1
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_scheduler_queues_a_webhook_sweep_each_cycle():
    from prorata.worker import _scheduler

    stop = threading.Event()
    thread = threading.Thread(target=_scheduler, args=(stop, 0.01))
    thread.start()
    time.sleep(0.3)
    stop.set()
    thread.join(5)
    # Many cycles ran; one waiting sweep is enough, so exactly one is queued.
    assert DBTaskResult.objects.filter(queue_name="webhooks", task_path="prorata.webhooks.tasks.sweep_webhooks").count() == 1
