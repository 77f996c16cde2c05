"""/healthz, /readyz and /metrics: readiness fails when the database is down, when migrations
are missing and when the worker is stale; metrics parse with prometheus-client's own parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from prorata.core.clock import system_clock
from prorata.platform.models import WorkerHeartbeat
from prorata.worker import heartbeat

pytestmark = pytest.mark.django_db

PROBE = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prorata.settings")
django.setup()
from django.test import Client
c = Client()
out = {}
for path in ("/healthz", "/readyz"):
    r = c.get(path)
    out[path] = [r.status_code, json.loads(r.content)]
print(json.dumps(out))
"""


def _probe_in_process(tmp_path: Path, database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"DATABASE_URL": database_url, "PRORATA_VAR_DIR": str(tmp_path / "var")})
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_healthz_is_up_and_readyz_is_ready_with_a_fresh_worker():
    heartbeat("w-test", system_clock.now())
    client = Client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.content
    assert json.loads(ready.content)["checks"]["worker"]["ok"] is True


def test_readyz_fails_when_the_worker_is_stale(settings):
    settings.PRORATA_WORKER_STALE_SECONDS = 60
    now = system_clock.now()
    WorkerHeartbeat.objects.create(worker_id="w-old", started_at=now - timedelta(hours=1), seen_at=now - timedelta(seconds=120))
    ready = Client().get("/readyz")
    assert ready.status_code == 503
    body = json.loads(ready.content)
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["worker"] == {"ok": False, "detail": "last seen 120 s ago"}


def test_readyz_fails_without_any_worker():
    ready = Client().get("/readyz")
    assert ready.status_code == 503
    assert json.loads(ready.content)["checks"]["worker"]["detail"] == "no worker seen"


def test_readyz_fails_when_the_database_is_down(tmp_path):
    # A real process whose database does not answer: nothing listens on port 1, and a SQLite
    # file in a directory that does not exist cannot be opened.
    for url in ("postgres://postgres@127.0.0.1:1/prorata_down", f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"):
        out = _probe_in_process(tmp_path, url)
        assert out["/healthz"][0] == 200
        status, body = out["/readyz"]
        assert status == 503, (url, body)
        assert body["checks"]["database"]["ok"] is False


def test_readyz_fails_when_migrations_are_not_applied(tmp_path):
    out = _probe_in_process(tmp_path, f"sqlite:///{tmp_path}/empty.sqlite3")
    status, body = out["/readyz"]
    assert status == 503
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is False


def test_metrics_parse_with_prometheus_clients_parser():
    from prorata.webhooks.models import Delivery

    client = Client()
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}
    for name in (
        "prorata_http_requests", "prorata_http_request_duration_seconds", "prorata_billing_pass_lag_seconds",
        "prorata_billing_due_work", "prorata_invoices", "prorata_charges", "prorata_processor_calls_open",
        "prorata_webhook_deliveries", "prorata_webhook_backlog_age_seconds", "prorata_webhook_failed_attempts",
        "prorata_task_queue_ready", "prorata_callback_queue_age_seconds", "prorata_worker_last_seen_seconds",
    ):
        assert name in families, name
    served = [s for s in families["prorata_http_requests"].samples if s.name == "prorata_http_requests_total"]
    assert any(s.labels == {"method": "GET", "status": "200"} and s.value >= 1 for s in served)
    assert Delivery.objects.count() == 0
    assert families["prorata_billing_pass_lag_seconds"].samples[0].value == 0


def _scrape(client=None) -> dict:
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200
    out = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_report_billing_lag_renewals_and_charges():
    from factories import make_card, make_plan, make_tenant
    from prorata.core.periods import boundary
    from prorata.subscriptions.engine import run_pass
    from prorata.subscriptions.models import Subscription

    tenant = make_tenant()
    make_card(tenant)
    plan = make_plan(unit_amount=1000)
    now = system_clock.now()
    end = now - timedelta(minutes=10)
    start = end - timedelta(days=31)
    assert boundary(start, "month", 1) >= start
    Subscription.objects.create(
        tenant=tenant, plan=plan, quantity=1, status="active", billing_anchor=start, current_period_start=start,
        current_period_end=end, status_changed_at=start, next_action_at=end, created_at=start,
    )
    before = _scrape()
    assert before[("prorata_billing_pass_lag_seconds", ())] >= 600
    assert before[("prorata_billing_due_work", ())] == 1
    run_pass(as_of=system_clock.now())
    after = _scrape()
    assert after[("prorata_billing_pass_lag_seconds", ())] == 0
    assert after[("prorata_billing_due_work", ())] == 0
    assert after[("prorata_invoices_total", (("kind", "period"),))] == 1
    assert after[("prorata_charges_total", (("status", "succeeded"),))] == 1


def test_metrics_ask_for_the_token_when_one_is_set(settings):
    settings.PRORATA_METRICS_TOKEN = "s3cret"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert Client().get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
