"""Slow and hostile receivers, on real sockets on 127.0.0.1: a receiver that trickles one byte
every 8 s, one that answers something that is not HTTP and one that resets the connection are
each one failed attempt, recorded and retried later; none delays another tenant's delivery, or
the billing pass, by more than the configured deadline."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from hostile_receivers import RawReceiver, answer, garbage, reset, trickle

from factories import make_card, make_plan, make_tenant
from prorata.audit.services import audit_record
from prorata.core.actor import SYSTEM
from prorata.core.clock import system_clock
from prorata.webhooks.delivery import deliver_due
from prorata.webhooks.domain import signing
from prorata.webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, WebhookEndpoint

DEADLINE = 2.0


def _endpoint(url: str):
    tenant = make_tenant()
    endpoint = WebhookEndpoint.objects.create(tenant=tenant, url=url, events=["*"], secret=signing.new_secret(),
                                              created_by="t", created_at=system_clock.now())
    with transaction.atomic():
        audit_record(actor=SYSTEM, action="subscription.created", object_type="subscription", object_id="sub_x",
                     tenant_id=tenant.pk, at=system_clock.now(), after={"id": "sub_x", "status": "active"})
    return tenant, endpoint


@pytest.mark.django_db
def test_hostile_receivers_are_failed_attempts_and_do_not_delay_another_tenants_delivery(settings):
    settings.PRORATA_WEBHOOK_TIMEOUT = DEADLINE
    slow, bad, rst, good = RawReceiver(trickle(8.0)), RawReceiver(garbage), RawReceiver(reset), RawReceiver(answer(204))
    try:
        endpoints = {name: _endpoint(r.url)[1] for name, r in
                     (("slow", slow), ("bad", bad), ("reset", rst), ("good", good))}
        started = time.monotonic()
        run = deliver_due()
        elapsed = time.monotonic() - started
        assert run.attempts == 4 and run.succeeded == 1 and run.failed_attempts == 3

        # The other tenant's delivery was not held up by the trickling one...
        assert good.received_at[0] - started < DEADLINE
        # ...and the trickling one held its sender for the deadline, not 8 s a byte.
        assert elapsed < DEADLINE + 3

        by_endpoint = {a.delivery.endpoint_id: a for a in DeliveryAttempt.objects.select_related("delivery")}
        assert by_endpoint[endpoints["good"].pk].succeeded is True
        slow_attempt = by_endpoint[endpoints["slow"].pk]
        assert slow_attempt.succeeded is False and slow_attempt.status_code is None
        assert slow_attempt.error == f"deadline of {DEADLINE:g} s exceeded"
        assert DEADLINE * 1000 <= slow_attempt.duration_ms < (DEADLINE + 2) * 1000
        assert "BadStatusLine" in by_endpoint[endpoints["bad"].pk].error
        assert by_endpoint[endpoints["reset"].pk].error.startswith(("ConnectionResetError", "RemoteDisconnected"))
        # Each failure is kept for a retry with backoff, not lost and not given up at once.
        for name in ("slow", "bad", "reset"):
            delivery = Delivery.objects.get(endpoint=endpoints[name])
            assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
            assert delivery.next_attempt_at > system_clock.now()
    finally:
        for r in (slow, bad, rst, good):
            r.close()


def _url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_trickling_receiver_does_not_delay_the_billing_pass_of_a_running_worker():
    """A worker process serves a delivery to a receiver that trickles a byte every 8 s (deadline
    20 s) while a subscription falls due: the billing pass renews it while the receiver still
    holds its connection, and another tenant's webhook arrives meanwhile too."""
    from prorata.billing.models import Invoice
    from prorata.subscriptions.models import Subscription

    slow, good = RawReceiver(trickle(8.0)), RawReceiver(answer(200))
    worker = None
    try:
        _endpoint(slow.url)
        tenant = make_tenant()
        make_card(tenant)
        end = system_clock.now() + timedelta(seconds=3)
        start = end - timedelta(days=31)
        sub = Subscription.objects.create(
            tenant=tenant, plan=make_plan(unit_amount=500), quantity=1, status="active", billing_anchor=start,
            current_period_start=start, current_period_end=end, status_changed_at=start, next_action_at=end,
            created_at=start,
        )
        env = {**os.environ, "DATABASE_URL": _url(), "DJANGO_SETTINGS_MODULE": "prorata.settings",
               "PRORATA_WEBHOOK_TIMEOUT": "20"}
        worker = subprocess.Popen([sys.executable, "-m", "prorata.cli", "worker", "--interval", "1"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Wait until the worker is inside the trickling request.
        for _ in range(300):
            if slow.open_connections:
                break
            time.sleep(0.1)
        assert slow.open_connections == 1
        held_since = time.monotonic()
        _endpoint(good.url)
        renewed = threading.Event()
        for _ in range(300):
            if Invoice.objects.filter(subscription_id=sub.pk).exists() and good.received_at:
                renewed.set()
                break
            time.sleep(0.1)
        assert renewed.is_set(), "the billing pass or the other tenant's webhook waited for the trickling receiver"
        # Both happened while the trickling receiver still held its connection.
        assert slow.open_connections == 1
        assert time.monotonic() - held_since < 20
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        slow.close()
        good.close()
