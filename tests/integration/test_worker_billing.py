"""Billing passes in real processes on PostgreSQL: two workers share a due set without doing any
renewal twice, and a pass killed with SIGKILL half-way and started again loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count

from factories import make_card, make_plan, make_tenant, utc
from prorata.audit.models import AuditEvent
from prorata.billing.models import Invoice, Payment
from prorata.core.clock import system_clock
from prorata.core.periods import boundary
from prorata.subscriptions.models import Subscription

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AS_OF = utc(2026, 3, 1)


def _url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": _url(), "DJANGO_SETTINGS_MODULE": "prorata.settings"}


def _seed(n: int, tenants: int = 25, due_by=AS_OF, card=make_card) -> list[str]:
    """n active subscriptions, each due for renewal once, at a different instant before `due_by`;
    `card(tenant)` gives each tenant its card."""
    plan = make_plan(unit_amount=1234)
    owners = [make_tenant() for _ in range(tenants)]
    for t in owners:
        card(t)
    subs = []
    for i in range(n):
        start = due_by - timedelta(days=40) + timedelta(seconds=i)
        end = boundary(start, "month", 1)
        subs.append(Subscription(
            tenant=owners[i % tenants], plan=plan, quantity=1 + i % 50, status="active", billing_anchor=start,
            current_period_start=start, current_period_end=end, status_changed_at=start,
            next_action_at=end, created_at=start,
        ))
    Subscription.objects.bulk_create(subs, batch_size=500)
    return [s.pk for s in subs]


def _billing_run(batch_size: int, *extra: str, lease: float | None = None,
                 env_extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = {**_env(), **(env_extra or {})}
    if lease is not None:
        env["PRORATA_PAYMENT_LEASE_SECONDS"] = str(lease)
    return subprocess.Popen(
        [sys.executable, "-m", "prorata.cli", "billing", "run", "--as-of", "2026-03-01T00:00:00Z",
         "--batch-size", str(batch_size), "--no-progress", *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _assert_each_renewed_exactly_once(ids: list[str], after=AS_OF) -> None:
    per_sub = dict(
        Invoice.objects.filter(kind="period").values_list("subscription_id").annotate(n=Count("id"))
    )
    assert set(per_sub) == set(ids)
    assert set(per_sub.values()) == {1}
    assert Payment.objects.count() == len(ids)
    assert Payment.objects.filter(status="succeeded").count() == len(ids)
    numbers = sorted(int(n.split("-")[1]) for n in Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(ids) + 1))  # gap-free, none used twice
    for sub in Subscription.objects.filter(pk__in=ids).only("current_period_end", "next_action_at", "billing_anchor"):
        assert sub.next_action_at == sub.current_period_end > after
    for invoice in Invoice.objects.select_related("subscription"):
        assert invoice.total == invoice.subscription.quantity * 1234 == invoice.amount_paid


def test_two_billing_runs_at_once_renew_every_subscription_exactly_once():
    ids = _seed(1200)
    first, second = _billing_run(25), _billing_run(25)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    renewed = [int(out.split("(")[1].split(" renewals")[0]) for out, _err in outputs]
    assert sum(renewed) == 1200
    _assert_each_renewed_exactly_once(ids)


def test_one_billing_run_in_three_worker_processes_renews_every_subscription_exactly_once():
    ids = _seed(1200)
    run = _billing_run(40, "--workers", "3")
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, (out, err)
    assert "1200 subscriptions (1200 renewals)" in out
    _assert_each_renewed_exactly_once(ids)
    # One pass, one audit row for it, with the workers' sum.
    (row,) = AuditEvent.objects.filter(action="billing.run")
    assert row.after["renewals"] == 1200


def test_two_worker_processes_share_the_due_set_without_doing_anything_twice():
    # Real-time tenants live at system time: the seeded work is due now, once.
    now = system_clock.now()
    ids = _seed(800, due_by=now)
    workers = [
        subprocess.Popen([sys.executable, "-m", "prorata.cli", "worker", "--interval", "0.2", "--queue", "billing"],
                         env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if not Subscription.objects.filter(next_action_at__lte=now).exists():
                break
            time.sleep(0.5)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
    assert not Subscription.objects.filter(next_action_at__lte=now).exists()
    _assert_each_renewed_exactly_once(ids, after=now)


def test_a_pass_killed_half_way_and_run_again_loses_nothing_and_does_nothing_twice():
    ids = _seed(1500)
    # A short lease, so that the next pass may reconcile the killed pass's calls soon after.
    victim = _billing_run(10, lease=1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and Invoice.objects.count() < 200:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    done_before = Invoice.objects.count()
    assert 0 < done_before < 1500, "the pass should be killed half-way"
    time.sleep(1.2)

    again = _billing_run(100)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, (out, err)
    _assert_each_renewed_exactly_once(ids)


def test_a_pass_killed_between_the_charges_and_their_commit_charges_nobody_twice():
    """SIGKILL after the processor charged a batch, before the outcome committed: the charges are
    made and on record at the processor, their calls are on record here; the next pass asks the
    processor instead of charging again, and writes every outcome once."""
    from prorata.billing.models import GatewayCall
    from prorata.payments.models import SandboxOperation

    ids = _seed(60)
    env = {**_env(), "KILL_AT_BATCH": "3", "PRORATA_PAYMENT_LEASE_SECONDS": "1"}
    victim = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "killed_pass.py"), "10"],
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert victim.returncode == -signal.SIGKILL, (victim.stdout, victim.stderr)
    # Two batches written; the third charged at the processor and recorded, its outcome lost.
    assert Invoice.objects.filter(kind="period").count() == 20
    assert GatewayCall.objects.count() == 10
    assert SandboxOperation.objects.filter(kind="charge").count() == 30
    time.sleep(1.2)  # the dead pass's lease on its calls ends

    again = _billing_run(25)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, (out, err)
    _assert_each_renewed_exactly_once(ids)
    assert not GatewayCall.objects.exists()
    charges = list(SandboxOperation.objects.filter(kind="charge").values_list("key", "requests"))
    assert len(charges) == len(ids) and {requests for _key, requests in charges} == {1}
    assert set(Payment.objects.values_list("key", flat=True)) == {key for key, _ in charges}
