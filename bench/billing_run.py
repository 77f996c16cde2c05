"""Benchmark of the billing pass: N due subscriptions renewed by one pass, against a plain-SQL floor.

    .venv/bin/python bench/billing_run.py [--n 100000] [--tenants N] [--batch-size 5000] [--workers 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prorata .venv/bin/python bench/billing_run.py --n 1000000

It makes its own database (a new PostgreSQL database next to DATABASE_URL's, or a temporary
SQLite file), migrates it, and seeds N active subscriptions over many tenants (1–50 seats each,
every one due for renewal). Then, in the same run:

1. the floor: the very rows one renewal writes (period invoice, charge line, payment,
   subscription update, three audit rows and their three webhook events), generated with no
   business logic and written by plain SQL (COPY / executemany) in one transaction, rolled back;
2. the pass: `prorata.billing.engine.run_pass_in_workers` in a child process, exactly as
   `prorata billing run --workers W` runs it (W processes sharing the due set; default: one per
   CPU; `--workers 1` is the single-connection pass), with the peak memory of its processes;
3. a second pass at once, which must create nothing.

It prints renewals per second, the ratio to the floor's rate, the pass's peak memory, and what
the second pass created.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse, urlunparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AS_OF = datetime(2026, 3, 1, tzinfo=UTC)


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prorata.settings")
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import django

    django.setup()


def make_database(base: str) -> tuple[str, object]:
    """A fresh database URL and a function that drops it."""
    if base.startswith("postgres"):
        import psycopg

        name = f"prorata_bench_{os.getpid()}"
        parts = urlparse(base)
        admin = urlunparse(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return urlunparse(parts._replace(path=f"/{name}")), drop
    folder = tempfile.mkdtemp(prefix="prorata_bench_")
    path = os.path.join(folder, "bench.sqlite3")

    def remove() -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(path + suffix)
            except FileNotFoundError:
                pass
        os.rmdir(folder)

    return f"sqlite:///{path}", remove


def seed(n: int, tenants: int, seed_value: int = 7) -> None:
    """N active subscriptions due by AS_OF, over `tenants` tenants, 1–50 seats each."""
    from django.core.management import call_command
    from django.db import transaction

    from prorata.billing.bulk import write_rows
    from prorata.billing.gateway import tokenize_for_tests
    from prorata.catalog.models import Plan, Product
    from prorata.core.ids import new_id
    from prorata.core.periods import boundary
    from prorata.subscriptions.models import Subscription
    from prorata.tenants.models import PaymentMethod, Tenant

    call_command("migrate", verbosity=0)
    rng = random.Random(seed_value)
    epoch = AS_OF - timedelta(days=90)
    with transaction.atomic():
        product = Product.objects.create(code="bench", name="Office 365 E3", names={"zh-Hans": "Office 365 E3"}, created_at=epoch)
        plan = Plan.objects.create(product=product, code="bench-monthly", name="Monthly", currency="USD",
                                   unit_amount=2000, interval="month", created_at=epoch)
        tenant_ids = [new_id("ten") for _ in range(tenants)]
        zones = ["UTC", "Asia/Shanghai", "America/Los_Angeles", "Europe/Paris"]
        tz_of = {t: zones[i % len(zones)] for i, t in enumerate(tenant_ids)}
        write_rows(Tenant, ["id", "name", "country", "language", "currency", "timezone", "credit_balance", "created_at"],
                   ([t, f"Bench {i}", "US", "en" if i % 3 else "zh-Hans", "USD", tz_of[t], 0, _dt(epoch)]
                    for i, t in enumerate(tenant_ids)))
        write_rows(PaymentMethod, ["id", "tenant", "brand", "last4", "exp_month", "exp_year", "gateway_token", "is_default", "created_at"],
                   ([new_id("pm"), t, *tokenize_for_tests("4242424242424242")[:2], 12, 2035,
                     tokenize_for_tests("4242424242424242")[2], True, _dt(epoch)] for t in tenant_ids))

        def subs():
            for i in range(n):
                t = tenant_ids[i % tenants]
                # Anchors spread over the month before AS_OF, so renewals fall due all along the day before.
                anchor = AS_OF - timedelta(days=31) - timedelta(seconds=rng.randrange(0, 86400 * 28))
                start = boundary(anchor, "month", 0, tz_of[t])
                end = boundary(anchor, "month", 1, tz_of[t])
                if end > AS_OF:
                    anchor = anchor - timedelta(days=3)
                    start, end = boundary(anchor, "month", 0, tz_of[t]), boundary(anchor, "month", 1, tz_of[t])
                yield [new_id("sub"), t, plan.pk, rng.randint(1, 50), True, "active", _dt(anchor), _dt(start), _dt(end),
                       _dt(anchor), _dt(end), 0, _dt(anchor), False, "", "", "", ]

        write_rows(Subscription, ["id", "tenant", "plan", "quantity", "recurring_billing", "status", "billing_anchor",
                                  "current_period_start", "current_period_end", "status_changed_at", "next_action_at",
                                  "payment_attempts", "created_at", "cancel_assisted", "canceled_by", "cancel_reason",
                                  "cancel_feedback"], subs())
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _dt(value: datetime):
    from prorata.billing.bulk import datetime_adapter

    return datetime_adapter()(value)


def _server_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend, when it runs on this host."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            if not cmdline.read().startswith(b"postgres"):
                return None  # another host's backend pid, taken by a local process
    except OSError:
        return None
    # utime and stime, fields 14 and 15 of proc(5), counted from after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def floor(n: int) -> tuple[float, float | None]:
    """Seconds to write the rows of N renewals by plain SQL, with no business logic (rolled back),
    and the CPU seconds PostgreSQL's backend spent on it (None elsewhere, or on another host)."""
    from django.db import connection, transaction

    from prorata.audit.models import AuditEvent
    from prorata.billing.bulk import (
        _next_audit_ids,
        _update_subscriptions,
        datetime_adapter,
        write_rows,
    )
    from prorata.billing.models import Invoice, InvoiceLine, Payment
    from prorata.subscriptions.models import Subscription
    from prorata.webhooks.models import Event

    _dt = datetime_adapter()  # noqa: N806
    subs = list(Subscription.objects.values_list("id", "tenant_id", "current_period_end", "quantity"))
    pm = dict(__import__("prorata.tenants.models", fromlist=["PaymentMethod"]).PaymentMethod.objects.values_list("tenant_id", "id"))
    blob = json.dumps({"status": "active", "note": "x" * 200})
    month = timedelta(days=30)
    server_before = _server_cpu_seconds()
    start_time = time.perf_counter()
    try:
        with transaction.atomic():
            ids = _next_audit_ids(3 * len(subs))
            inv = [f"in_floor{i:020d}" for i in range(len(subs))]
            write_rows(InvoiceLine, ["tenant", "invoice", "kind", "description", "quantity", "unit_amount", "amount", "period_start", "period_end"],
                       ([t, inv[i], "charge", "Office 365 E3 × 10, 2026-02-01 – 2026-03-01", q, 2000, q * 2000, _dt(e), _dt(e)]
                        for i, (_s, t, e, q) in enumerate(subs)))
            write_rows(Payment, ["id", "tenant", "invoice", "payment_method", "attempt", "amount", "currency", "status", "failure_code", "created_at"],
                       ([f"pay_floor{i:020d}", t, inv[i], pm[t], 1, q * 2000, "USD", "succeeded", "", _dt(e)]
                        for i, (_s, t, e, q) in enumerate(subs)))
            write_rows(AuditEvent, ["id", "tenant", "actor", "actor_label", "action", "object_type", "object_id", "before", "after", "occurred_at", "recorded_at"],
                       ([ids[3 * i + k], t, "system", "Prorata", "invoice.paid", "invoice", inv[i], None, blob, _dt(e), _dt(e)]
                        for i, (_s, t, e, _q) in enumerate(subs) for k in range(3)))
            write_rows(Event, ["id", "tenant", "type", "created_at", "audit_event"],
                       ([f"evt_floor{3 * i + k:020d}", t, "invoice.paid", _dt(e), ids[3 * i + k]]
                        for i, (_s, t, e, _q) in enumerate(subs) for k in range(3)))
            _update_subscriptions([(s, "active", _dt(e), _dt(e), _dt(e + month), _dt(e + month), 0) for s, _t, e, _q in subs])
            write_rows(Invoice, ["id", "tenant", "subscription", "kind", "currency", "period_start", "period_end", "issued_at", "status",
                                 "subtotal", "credit_applied", "total", "amount_paid", "paid_at", "created_at", "number"],
                       ([inv[i], t, s, "period", "USD", _dt(e), _dt(e), _dt(e), "paid", q * 2000, 0, q * 2000, q * 2000, _dt(e), _dt(e),
                         f"FLOOR-{i:07d}"] for i, (s, t, e, q) in enumerate(subs)))
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            elapsed = time.perf_counter() - start_time
            server_after = _server_cpu_seconds()
            raise _Rollback
    except _Rollback:
        pass
    server = server_after - server_before if server_before is not None and server_after is not None else None
    return elapsed, server


class _Rollback(Exception):
    pass


def _peak_rss_kb() -> int:
    """This process's own peak resident memory.

    On Linux, `getrusage().ru_maxrss` of a child started by fork/vfork + exec also counts the
    parent's peak at the time it started (the kernel carries the old address space's high-water
    mark over exec), so a parent that has just built the floor's N rows would be measured with
    the pass. VmHWM is the high-water mark of this address space alone.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_pass_child(batch_size: int, workers: int) -> None:
    """In the child process: one pass (in `workers` processes), then print its figures as JSON."""
    from prorata.billing.engine import ALL_TENANTS, run_pass_in_workers

    started = time.perf_counter()
    result = run_pass_in_workers(as_of=AS_OF, workers=workers, tenant_filter=ALL_TENANTS, batch_size=batch_size)
    elapsed = time.perf_counter() - started
    own_kb = _peak_rss_kb()
    # The workers are spawned (fork + exec) by this small process: their ru_maxrss is in effect
    # their own (exec carries over at most this process's peak at the time, well below theirs).
    worker_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if workers > 1 else 0
    print(json.dumps({"elapsed": elapsed, "renewals": result.renewals, "subscriptions": result.subscriptions,
                      "failures": len(result.failures), "peak_mb": max(own_kb, worker_kb) / 1024,
                      "total_mb": (own_kb + workers * worker_kb) / 1024}))


def counts() -> dict[str, int]:
    from prorata.audit.models import AuditEvent
    from prorata.billing.models import Invoice, InvoiceLine, Payment

    return {"invoices": Invoice.objects.count(), "lines": InvoiceLine.objects.count(),
            "payments": Payment.objects.count(), "audit_events": AuditEvent.objects.count()}


def _command(base: str, args: argparse.Namespace) -> str:
    """This run's command line, with any password in DATABASE_URL masked."""
    parts = urlparse(base)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    env = f"DATABASE_URL={urlunparse(parts)} " if base.startswith("postgres") else "env -u DATABASE_URL "
    options = f"--n {args.n} --batch-size {args.batch_size} --workers {args.workers}"
    if args.tenants:
        options += f" --tenants {args.tenants}"
    return f"{env}.venv/bin/python bench/billing_run.py {options}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="due subscriptions (default 100000)")
    parser.add_argument("--tenants", type=int, default=None, help="tenants (default n/20, at least 1)")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes sharing the pass, as `prorata billing run --workers` (default: CPU count)")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _setup(args.child)
        run_pass_child(args.batch_size, args.workers)
        return 0

    base = os.environ.get("DATABASE_URL", "sqlite:///")
    print("reproduce with:", _command(base, args))
    url, drop = make_database(base)
    _setup(url)
    from django.db import connection

    tenants = args.tenants or max(1, args.n // 20)
    try:
        t0 = time.perf_counter()
        seed(args.n, tenants)
        print(f"database: {connection.vendor}; seeded {args.n} due subscriptions over {tenants} tenants "
              f"in {time.perf_counter() - t0:.1f} s")
        floor_s, floor_server_cpu = floor(args.n)
        connection.close()
        child = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child", url, "--batch-size", str(args.batch_size),
             "--workers", str(args.workers)],
            capture_output=True, text=True, check=False,
        )
        if child.returncode != 0:
            print(child.stdout, child.stderr, file=sys.stderr)
            return 1
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        before = counts()
        from prorata.billing.engine import ALL_TENANTS, run_pass

        second = run_pass(as_of=AS_OF, tenant_filter=ALL_TENANTS, batch_size=args.batch_size)
        after = counts()
        created = {k: after[k] - before[k] for k in after}
        rate = figures["renewals"] / figures["elapsed"]
        floor_rate = args.n / floor_s
        print(f"pass ({args.workers} worker process{'es' if args.workers > 1 else ''}): {figures['renewals']} renewals"
              f" in {figures['elapsed']:.1f} s = {rate:,.0f} renewals/s (failures: {figures['failures']})")
        print(f"floor (plain SQL, same rows): {floor_s:.1f} s = {floor_rate:,.0f} renewals/s; pass/floor = {rate / floor_rate:.0%}")
        if floor_server_cpu is not None:
            cores = os.cpu_count() or 1
            # The pass writes these rows too, on the same cores as its own Python work.
            print(f"PostgreSQL's own CPU for the floor's rows: {floor_server_cpu:.1f} s = {floor_server_cpu / args.n * 1e6:.0f} µs"
                  f" per renewal; on {cores} core{'s' if cores > 1 else ''}, no pass writing these rows can take less than"
                  f" {floor_server_cpu / cores:.1f} s")
        if args.workers > 1:
            print(f"peak memory of the pass: {figures['peak_mb']:.0f} MB in its largest process, "
                  f"at most {figures['total_mb']:.0f} MB in all {args.workers + 1}")
        else:
            print(f"peak memory of the pass: {figures['peak_mb']:.0f} MB")
        print(f"second pass: {second.subscriptions} subscriptions processed, rows created: {created}")
        ok = figures["renewals"] == args.n and not any(created.values()) and second.subscriptions == 0
        print("OK" if ok else "NOT OK")
        return 0 if ok else 1
    finally:
        connection.close()
        drop()


if __name__ == "__main__":
    sys.exit(main())
