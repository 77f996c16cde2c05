"""Benchmark of the billing pass: N due subscriptions renewed by one pass, against a plain-SQL floor.

    .venv/bin/python bench/billing_run.py [--n 100000] [--tenants N] [--batch-size B] [--workers W] [--mix realistic]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prorata .venv/bin/python bench/billing_run.py --n 1000000 --mix realistic

It makes its own database (a new PostgreSQL database next to DATABASE_URL's, or a temporary
SQLite file), migrates it, and seeds N active subscriptions over many tenants (1–50 seats each,
every one due for renewal once). `--mix realistic` seeds what real installs have beside them:
one vendor-wide webhook endpoint listening for every event, 10 % of tenants with an endpoint of
their own, 10 % with a credit balance, 5 % with a credit note settling at one of their renewals
in the pass, and 3 % whose card declines every charge (so the pass also makes retries). Then,
in the same run:

1. the floor: the very rows the pass writes for N renewals — the recorded processor call and its
   deletion, the processor's own ledger row, the period invoice, its charge line, the payment,
   the subscription update, three audit rows with their objects' API schemas, three events and
   every webhook delivery — generated with no business logic and written by plain SQL
   (COPY / executemany) and committed every batch of the pass's size, in a copy of the seeded
   database;
2. the pass: `prorata.subscriptions.engine.run_pass_in_workers` in a child process, exactly as
   `prorata billing run --workers W` runs it, with the peak memory of its processes;
3. a second pass at once, which must create nothing.

It prints renewals per second, the ratio to the floor's rate, the pass's peak memory, what the
second pass created, and the charges the processor was asked for, which must equal the distinct
charge keys and the renewals plus retries that were charged.
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


def copy_database(url: str) -> tuple[str, object]:
    """A copy of the (closed) database at `url`, and a function that drops it."""
    if url.startswith("postgres"):
        import psycopg

        parts = urlparse(url)
        name = parts.path.lstrip("/")
        copy = f"{name}_floor"
        admin = urlunparse(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')

        return urlunparse(parts._replace(path=f"/{copy}")), drop
    import shutil

    path = url.removeprefix("sqlite:///")
    target = path + ".floor"
    shutil.copyfile(path, target)

    def remove() -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(target + suffix)
            except FileNotFoundError:
                pass

    return f"sqlite:///{target}", remove


def seed(n: int, tenants: int, realistic: bool, seed_value: int = 7) -> dict[str, int]:
    """N active subscriptions due by AS_OF, over `tenants` tenants, 1–50 seats each (see --mix)."""
    from django.core.management import call_command
    from django.db import transaction

    from prorata.billing.models import CreditNote, Invoice, InvoiceLine, Payment
    from prorata.catalog.models import Plan, Product
    from prorata.core.ids import new_id
    from prorata.core.periods import boundary
    from prorata.payments.sandbox import tokenize_for_tests
    from prorata.platform.bulk import insert_rows
    from prorata.subscriptions.models import Subscription
    from prorata.tenants.models import PaymentMethod, Tenant
    from prorata.webhooks.models import WebhookEndpoint

    call_command("migrate", verbosity=0)
    rng = random.Random(seed_value)
    epoch = AS_OF - timedelta(days=90)
    mix = {"tenant_endpoints": 0, "credit_balances": 0, "credit_notes": 0, "declining_cards": 0}
    with transaction.atomic():
        product = Product.objects.create(code="bench", name="Office 365 E3", names={"zh-Hans": "Office 365 E3"}, created_at=epoch)
        plan = Plan.objects.create(product=product, code="bench-monthly", name="Monthly", currency="USD",
                                   unit_amount=2000, interval="month", created_at=epoch)
        tenant_ids = [new_id("ten") for _ in range(tenants)]
        zones = ["UTC", "Asia/Shanghai", "America/Los_Angeles", "Europe/Paris"]
        tz_of = {t: zones[i % len(zones)] for i, t in enumerate(tenant_ids)}
        # Shares of tenants, spread evenly: i % 10 == 1 own endpoint, == 2 credit balance; i % 20 == 3
        # a credit note; i % 33 == 4 a declining card (3 %).
        role = {t: i for i, t in enumerate(tenant_ids)}
        endpoint = {t for t, i in role.items() if realistic and i % 10 == 1}
        balance = {t for t, i in role.items() if realistic and i % 10 == 2}
        noted = {t for t, i in role.items() if realistic and i % 20 == 3}
        declining = {t for t, i in role.items() if realistic and i % 33 == 4}
        insert_rows(Tenant, ["id", "name", "country", "language", "currency", "timezone", "credit_balance", "created_at"],
                    [(t, f"Bench {i}", "US", "en" if i % 3 else "zh-Hans", "USD", tz_of[t], 500 if t in balance else 0, epoch)
                     for i, t in enumerate(tenant_ids)])
        cards = {t: tokenize_for_tests("4000000000000341" if t in declining else "4242424242424242") for t in tenant_ids}
        insert_rows(PaymentMethod, ["id", "tenant", "brand", "last4", "exp_month", "exp_year", "gateway_token", "is_default", "created_at"],
                    [(new_id("pm"), t, cards[t][0], cards[t][1], 12, 2035, cards[t][2], True, epoch) for t in tenant_ids])
        if realistic:
            WebhookEndpoint.objects.create(tenant=None, url="https://vendor.example/hooks", events=["*"], secret="whsec_AAAA",
                                           created_by="bench", created_at=epoch)
            for t in sorted(endpoint):
                WebhookEndpoint.objects.create(tenant_id=t, url=f"https://{t}.example/hooks", events=["*"], secret="whsec_AAAA",
                                               created_by="bench", created_at=epoch)
        subs = []
        for i in range(n):
            t = tenant_ids[i % tenants]
            # Anchors spread over the month before AS_OF, so renewals fall due all along the month.
            anchor = AS_OF - timedelta(days=31) - timedelta(seconds=rng.randrange(0, 86400 * 28))
            start, end = boundary(anchor, "month", 0, tz_of[t]), boundary(anchor, "month", 1, tz_of[t])
            if end > AS_OF:
                anchor = anchor - timedelta(days=3)
                start, end = boundary(anchor, "month", 0, tz_of[t]), boundary(anchor, "month", 1, tz_of[t])
            subs.append((new_id("sub"), t, plan.pk, rng.randint(1, 50), True, "active", anchor, start, end,
                         anchor, end, 0, anchor, False, "", "", ""))
        insert_rows(Subscription, ["id", "tenant", "plan", "quantity", "recurring_billing", "status", "billing_anchor",
                                   "current_period_start", "current_period_end", "status_changed_at", "next_action_at",
                                   "payment_attempts", "created_at", "cancel_assisted", "canceled_by", "cancel_reason",
                                   "cancel_feedback"], subs)
        # A credit note settling at the renewal of the first subscription of each such tenant, against
        # that subscription's paid current period (as a seat decrease leaves one).
        first_of = {}
        for row in subs:
            first_of.setdefault(row[1], row)
        invoices, lines, payments, notes = [], [], [], []
        for k, t in enumerate(sorted(noted)):
            sid, _t, _p, qty, *_rest = first_of[t]
            start, end = first_of[t][7], first_of[t][8]
            inv = new_id("in")
            invoices.append((inv, t, sid, f"SEED-{k:07d}", "period", "USD", start, end, start, "paid", qty * 2000, 0,
                             qty * 2000, qty * 2000, start, start))
            lines.append((t, inv, "charge", "seed", qty, 2000, qty * 2000, start, end))
            payments.append((new_id("pay"), t, inv, f"seed/{sid}", 1, qty * 2000, "USD", "succeeded", "", "", start))
            notes.append((new_id("cn"), t, sid, inv, f"CN-SEED-{k:06d}", "USD", 700, "seat_decrease_proration", "pending",
                          end, 0, 0, start))
        insert_rows(Invoice, ["id", "tenant", "subscription", "number", "kind", "currency", "period_start", "period_end",
                              "issued_at", "status", "subtotal", "credit_applied", "total", "amount_paid", "paid_at",
                              "created_at"], invoices)
        insert_rows(InvoiceLine, ["tenant", "invoice", "kind", "description", "quantity", "unit_amount", "amount",
                                  "period_start", "period_end"], lines)
        insert_rows(Payment, ["id", "tenant", "invoice", "key", "attempt", "amount", "currency", "status", "failure_code",
                              "reference", "created_at"], payments)
        insert_rows(CreditNote, ["id", "tenant", "subscription", "invoice", "number", "currency", "amount", "reason", "status",
                                 "settles_on", "applied_amount", "refunded_amount", "created_at"], notes)
        mix.update(tenant_endpoints=len(endpoint), credit_balances=len(balance), credit_notes=len(notes),
                   declining_cards=len(declining))
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return mix


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


def floor(n: int, batch_size: int) -> tuple[float, float | None]:
    """Seconds to write and commit the rows of N renewals by plain SQL, with no business logic,
    and the CPU seconds PostgreSQL's backend spent on it (None elsewhere, or on another host).
    It runs on a copy of the seeded database, so that its rows leave the pass's alone, and
    commits every `batch_size` renewals, as the pass does (one transaction of a million renewals
    would be slower than the pass: its deferred checks and its temporary tables grow with it).

    The rows are the pass's for a paid renewal: the processor call recorded and deleted, the
    processor's ledger row, invoice, line, payment, the subscription update, three audit rows
    (invoice.issued, invoice.paid, subscription.renewed, each with its object's API schema), their
    events, and one delivery per listening endpoint and event."""
    from django.db import transaction

    from prorata.audit.models import AuditEvent
    from prorata.billing.models import GatewayCall, Invoice, InvoiceLine, Payment
    from prorata.payments.models import SandboxOperation
    from prorata.platform.bulk import delete_returning, insert_rows, reserve_serial_ids, update_rows
    from prorata.subscriptions.models import Subscription
    from prorata.webhooks.models import Delivery, Event, WebhookEndpoint

    every = list(Subscription.objects.order_by("id").values_list("id", "tenant_id", "current_period_end", "quantity", "plan_id"))
    pm = dict(__import__("prorata.tenants.models", fromlist=["PaymentMethod"]).PaymentMethod.objects.values_list("tenant_id", "id"))
    listeners = list(WebhookEndpoint.objects.values_list("id", "tenant_id"))
    month = timedelta(days=30)
    server_before = _server_cpu_seconds()
    start_time = time.perf_counter()
    for first in range(0, len(every), batch_size):
        subs = every[first:first + batch_size]
        with transaction.atomic():
            inv = [f"in_floor{first + i:020d}" for i in range(len(subs))]
            keys = [f"{s}/{e.isoformat()}/1" for s, _t, e, _q, _p in subs]
            insert_rows(GatewayCall, ["key", "tenant", "kind", "purpose", "subscription_id", "credit_note_id", "payment_id",
                                      "amount", "currency", "payment_method_id", "token", "charge_reference", "plan",
                                      "lease_until", "created_at"],
                        [(k, t, "charge", "renewal", s, "", "", q * 2000, "USD", pm[t], "sbxtok_ok_0123456789abcdef01234567", "",
                          _plan_json(k, e, e + month, q), e, e) for k, (s, t, e, q, _p) in zip(keys, subs, strict=True)])
            insert_rows(SandboxOperation, ["key", "kind", "token", "amount", "currency", "status", "failure_code", "reference",
                                           "requests", "created_at"],
                        [(k, "charge", "sbxtok_ok_0123456789abcdef01234567", q * 2000, "USD", "succeeded", "",
                          "sbx_ch_0123456789abcdef01234567", 1, e) for k, (_s, _t, e, q, _p) in zip(keys, subs, strict=True)])
            delete_returning(GatewayCall, keys)
            ids = reserve_serial_ids(AuditEvent, 3 * len(subs))
            audits, events, deliveries = [], [], []
            for i, (s, t, e, q, p) in enumerate(subs):
                invoice = _invoice_json(inv[i], t, s, e, e + month, q)
                sub_before, sub_after = _sub_json(s, t, p, q, e - month, e), _sub_json(s, t, p, q, e, e + month)
                for k, (action, otype, oid, before, after) in enumerate((
                        ("invoice.issued", "invoice", inv[i], None, invoice), ("invoice.paid", "invoice", inv[i], None, invoice),
                        ("subscription.renewed", "subscription", s, sub_before, sub_after))):
                    audit_id = ids[3 * i + k]
                    audits.append((audit_id, t, "system", "Prorata", action, otype, oid, before, after, None, e, e))
                    event_id = f"evt_floor{3 * (first + i) + k:020d}"
                    events.append((event_id, t, action, e, audit_id))
                    for endpoint, owner in listeners:
                        if owner in (None, t):
                            deliveries.append((f"whd_floor{3 * (first + i) + k:014d}_{endpoint[-6:]}", t, endpoint, event_id, "pending", 0, e, "", e))
            insert_rows(AuditEvent, ["id", "tenant", "actor", "actor_label", "action", "object_type", "object_id", "before",
                                     "after", "details", "occurred_at", "recorded_at"], audits)
            insert_rows(Event, ["id", "tenant", "type", "created_at", "audit_event"], events)
            insert_rows(Delivery, ["id", "tenant", "endpoint", "event", "status", "attempts", "next_attempt_at", "last_error",
                                   "created_at"], deliveries)
            update_rows(Subscription, ["status", "status_changed_at", "billing_anchor", "current_period_start",
                                       "current_period_end", "recurring_billing", "quantity", "payment_attempts",
                                       "next_action_at"],
                        [(s, "active", e, e, e, e + month, True, q, 0, e + month) for s, _t, e, q, _p in subs])
            insert_rows(Invoice, ["id", "tenant", "subscription", "kind", "currency", "period_start", "period_end", "issued_at",
                                  "status", "subtotal", "credit_applied", "total", "amount_paid", "paid_at", "created_at", "number"],
                        [(inv[i], t, s, "period", "USD", e, e + month, e, "paid", q * 2000, 0, q * 2000, q * 2000, e, e,
                          f"FLOOR-{first + i:07d}") for i, (s, t, e, q, _p) in enumerate(subs)])
            insert_rows(InvoiceLine, ["tenant", "invoice", "kind", "description", "quantity", "unit_amount", "amount",
                                      "period_start", "period_end"],
                        [(t, inv[i], "charge", "Office 365 E3 × 10, 2026-02-01 – 2026-03-01", q, 2000, q * 2000, e, e + month)
                         for i, (_s, t, e, q, _p) in enumerate(subs)])
            insert_rows(Payment, ["id", "tenant", "invoice", "payment_method", "key", "attempt", "amount", "currency", "status",
                                  "failure_code", "reference", "created_at"],
                        [(f"pay_floor{first + i:020d}", t, inv[i], pm[t], keys[i], 1, q * 2000, "USD", "succeeded", "",
                          "sbx_ch_0123456789abcdef01234567", e) for i, (_s, t, e, q, _p) in enumerate(subs)])
    elapsed = time.perf_counter() - start_time
    server_after = _server_cpu_seconds()
    server = server_after - server_before if server_before is not None and server_after is not None else None
    return elapsed, server


def _plan_json(key: str, start: datetime, end: datetime, q: int) -> dict:
    """A stored plan of the shape billing.domain.renewal.Plan.to_json writes."""
    s, e = start.isoformat(), end.isoformat()
    return {"work": ["renew", s], "at": s, "invoice": {"kind": "period", "currency": "USD", "period": [s, e],
                                                      "lines": [["charge", q, 2000, q * 2000, s, e, "", ""]]},
            "collect": None, "charge": [key, "renewal", q * 2000, "USD", 1, "pm_floor0123456789abcdef0123"],
            "period": [s, e], "anchor": None, "quantity": None}


def _invoice_json(inv: str, t: str, s: str, start: datetime, end: datetime, q: int) -> dict:
    """An object of the InvoiceOut schema's shape."""
    return {"id": inv, "number": "INV-000001", "tenant": t, "subscription": s, "kind": "period", "status": "paid",
            "currency": "USD", "period_start": start, "period_end": end, "issued_at": start, "subtotal": q * 2000,
            "credit_applied": 0, "total": q * 2000, "amount_paid": q * 2000, "paid_at": start,
            "lines": [{"kind": "charge", "description": "Office 365 E3 × 10, 2026-02-01 – 2026-03-01", "quantity": q,
                       "unit_amount": 2000, "amount": q * 2000, "period_start": start, "period_end": end}]}


def _sub_json(s: str, t: str, p: str, q: int, start: datetime, end: datetime) -> dict:
    """An object of the SubscriptionOut schema's shape."""
    return {"id": s, "tenant": t, "plan": p, "product": "prod_floor0123456789abcdef012", "status": "active",
            "quantity": q, "assigned_licenses": 0, "recurring_billing": True, "currency": "USD", "trial_end": None,
            "current_period_start": start, "current_period_end": end, "canceled_at": None, "cancel_reason": "",
            "cancel_assisted": False, "created_at": start}


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


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the pass's spawned workers): unlike
    the wall clock, it hardly moves when other work shares the machine's cores."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants now (Linux /proc), in kB."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                total += sum(_tree_rss_kb(int(c)) for c in children.read().split())
    except (OSError, ValueError):
        pass
    return total


def run_pass_child(batch_size: int, workers: int) -> None:
    """In the child process: one pass (in `workers` processes), then print its figures as JSON."""
    import threading

    from prorata.subscriptions.engine import ALL_TENANTS, run_pass_in_workers

    # The memory of the pass's processes together, sampled every 50 ms while it runs.
    sampled, running = [0], threading.Event()
    running.set()

    def sample() -> None:
        while running.is_set():
            sampled[0] = max(sampled[0], _tree_rss_kb(os.getpid()))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    result = run_pass_in_workers(as_of=AS_OF, workers=workers, tenant_filter=ALL_TENANTS, batch_size=batch_size)
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    running.clear()
    sampler.join()
    own_kb = _peak_rss_kb()
    # The workers are spawned (fork + exec) by this small process: their ru_maxrss is in effect
    # their own (exec carries over at most this process's peak at the time, well below theirs).
    worker_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if workers > 1 else 0
    print(json.dumps({"elapsed": elapsed, "cpu": cpu, "renewals": result.renewals, "retries": result.retries,
                      "credit_notes": result.credit_notes, "subscriptions": result.subscriptions,
                      "failures": len(result.failures), "peak_mb": max(own_kb, worker_kb) / 1024,
                      "total_mb": (own_kb + workers * worker_kb) / 1024, "sampled_mb": sampled[0] / 1024}))


def counts() -> dict[str, int]:
    from prorata.audit.models import AuditEvent
    from prorata.billing.models import CreditApplication, Invoice, InvoiceLine, Payment, Refund
    from prorata.payments.models import SandboxOperation
    from prorata.webhooks.models import Delivery

    return {"invoices": Invoice.objects.count(), "lines": InvoiceLine.objects.count(),
            "payments": Payment.objects.count(), "audit_events": AuditEvent.objects.count(),
            "deliveries": Delivery.objects.count(), "credit_applications": CreditApplication.objects.count(),
            "refunds": Refund.objects.count(), "processor_operations": SandboxOperation.objects.count()}


def charges_at_the_processor() -> tuple[int, int]:
    """(requests to charge the processor received, distinct charge keys among them)."""
    from django.db.models import Sum

    from prorata.payments.models import SandboxOperation

    ops = SandboxOperation.objects.filter(kind="charge")
    return int(ops.aggregate(n=Sum("requests"))["n"] or 0), ops.count()


def _command(base: str, args: argparse.Namespace) -> str:
    """This run's command line, with any password in DATABASE_URL masked."""
    parts = urlparse(base)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    env = f"DATABASE_URL={urlunparse(parts)} " if base.startswith("postgres") else "env -u DATABASE_URL "
    options = f"--n {args.n} --batch-size {args.batch_size} --workers {args.workers}"
    if args.tenants:
        options += f" --tenants {args.tenants}"
    if args.mix != "plain":
        options += f" --mix {args.mix}"
    return f"{env}.venv/bin/python bench/billing_run.py {options}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="due subscriptions (default 100000)")
    parser.add_argument("--tenants", type=int, default=None, help="tenants (default n/20, at least 1)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="as `prorata billing run --batch-size` (default: the same as its default)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes sharing the pass, as `prorata billing run --workers` (default: the same as its default)")
    parser.add_argument("--mix", choices=["plain", "realistic"], default="plain",
                        help="realistic: webhook endpoints, credit balances and notes, declining cards (see above)")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--floor-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _setup(args.child)
        run_pass_child(args.batch_size, args.workers)
        return 0
    if args.floor_child:
        _setup(args.floor_child)
        elapsed, server = floor(args.n, args.batch_size)
        print(json.dumps({"elapsed": elapsed, "server": server}))
        return 0

    base = os.environ.get("DATABASE_URL", "sqlite:///")
    url, drop = make_database(base)
    _setup(url)
    from django.db import connection

    from prorata.subscriptions.engine import DEFAULT_BATCH_SIZE, default_workers

    # The defaults users get from `prorata billing run` and the worker.
    args.batch_size = DEFAULT_BATCH_SIZE if args.batch_size is None else args.batch_size
    args.workers = default_workers() if args.workers is None else args.workers
    print("reproduce with:", _command(base, args))

    tenants = args.tenants or max(1, args.n // 20)
    try:
        t0 = time.perf_counter()
        mix = seed(args.n, tenants, realistic=args.mix == "realistic")
        print(f"database: {connection.vendor}; seeded {args.n} due subscriptions over {tenants} tenants "
              f"in {time.perf_counter() - t0:.1f} s" + (f"; mix: {mix}" if args.mix == "realistic" else ""))
        connection.close()
        floor_url, drop_floor = copy_database(url)
        try:
            floor_run = subprocess.run([sys.executable, os.path.abspath(__file__), "--floor-child", floor_url, "--n", str(args.n),
                                        "--batch-size", str(args.batch_size)],
                                       capture_output=True, text=True, check=False)
        finally:
            drop_floor()
        if floor_run.returncode != 0:
            print(floor_run.stdout, floor_run.stderr, file=sys.stderr)
            return 1
        floor_figures = json.loads(floor_run.stdout.strip().splitlines()[-1])
        floor_s, floor_server_cpu = floor_figures["elapsed"], floor_figures["server"]
        child = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child", url, "--batch-size", str(args.batch_size),
             "--workers", str(args.workers)],
            capture_output=True, text=True, check=False,
        )
        if child.returncode != 0:
            print(child.stdout, child.stderr, file=sys.stderr)
            return 1
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        requests, keys = charges_at_the_processor()
        before = counts()
        from prorata.subscriptions.engine import ALL_TENANTS, run_pass

        second = run_pass(as_of=AS_OF, tenant_filter=ALL_TENANTS, batch_size=args.batch_size)
        after = counts()
        created = {k: after[k] - before[k] for k in after}
        rate = figures["renewals"] / figures["elapsed"]
        floor_rate = args.n / floor_s
        print(f"pass ({args.workers} worker process{'es' if args.workers > 1 else ''}): {figures['renewals']} renewals"
              f" in {figures['elapsed']:.1f} s = {rate:,.0f} renewals/s (failures: {figures['failures']}); "
              f"its own CPU time: {figures['cpu']:.1f} s = {figures['cpu'] / max(figures['renewals'], 1) * 1e6:.0f} µs per renewal")
        print(f"floor (plain SQL, same rows, committed): {floor_s:.1f} s = {floor_rate:,.0f} renewals/s; pass/floor = {rate / floor_rate:.0%}")
        if floor_server_cpu is not None:
            cores = os.cpu_count() or 1
            # The pass writes these rows too, on the same cores as its own Python work.
            print(f"PostgreSQL's own CPU for the floor's rows: {floor_server_cpu:.1f} s = {floor_server_cpu / args.n * 1e6:.0f} µs"
                  f" per renewal; on {cores} core{'s' if cores > 1 else ''}, no pass writing these rows can take less than"
                  f" {floor_server_cpu / cores:.1f} s")
        if args.workers > 1:
            print(f"peak memory of the pass: {figures['peak_mb']:.0f} MB in its largest process; all "
                  f"{args.workers + 1} together {figures['sampled_mb']:.0f} MB at most at one time (sampled every"
                  f" 50 ms; the sum of their peaks is {figures['total_mb']:.0f} MB)")
        else:
            print(f"peak memory of the pass: {figures['peak_mb']:.0f} MB")
        print(f"second pass: {second.subscriptions} subscriptions processed, rows created: {created}")
        charged = figures["renewals"] + figures["retries"]
        print(f"charges the processor was asked for: {requests}; distinct charge keys: {keys}; renewals + retries: "
              f"{figures['renewals']} + {figures['retries']} = {charged}; credit notes settled: {figures['credit_notes']}")
        ok = (figures["renewals"] == args.n and not any(created.values()) and second.subscriptions == 0
              and requests == keys == charged and figures["failures"] == 0)
        print("OK" if ok else "NOT OK")
        return 0 if ok else 1
    finally:
        connection.close()
        drop()


if __name__ == "__main__":
    sys.exit(main())
