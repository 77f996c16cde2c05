"""Billing commands: `prorata worker`, `prorata billing run [--as-of TIME] [--workers N]` and
`prorata payments reconcile`."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    worker = subparsers.add_parser("worker", help="serve the task queue and run billing passes continuously")
    worker.add_argument("--interval", type=float, default=5.0, help="seconds between billing passes (default 5)")
    worker.add_argument("--queue", action="append", dest="queues", metavar="NAME", help="queue to serve (default: all)")
    worker.add_argument("--max-tasks", type=int, default=None, help="stop after this many tasks")
    worker.set_defaults(func=cmd_worker)

    billing = subparsers.add_parser("billing", help="billing")
    billing_sub = billing.add_subparsers(dest="billing_command", metavar="ACTION", required=True)
    run = billing_sub.add_parser("run", help="run one billing pass (for cron-only installs)")
    run.add_argument("--as-of", metavar="TIME", default=None, help="RFC 3339 time with a zone (default: now)")
    run.add_argument("--batch-size", type=int, default=None,
                     help="subscriptions per transaction (default 5000, chosen by bench/billing_run.py)")
    run.add_argument("--workers", type=int, default=None,
                     help="processes sharing the pass, each with its own connection "
                          "(default: one per core on PostgreSQL, one on SQLite)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    run.set_defaults(func=cmd_billing_run)

    payments = subparsers.add_parser("payments", help="payments")
    payments_sub = payments.add_subparsers(dest="payments_command", metavar="ACTION", required=True)
    reconcile = payments_sub.add_parser(
        "reconcile", help="finish charges and refunds left without an outcome, from the processor's own answer")
    reconcile.add_argument("--all", action="store_true",
                           help="also calls still within their lease (only when no pass or request is running)")
    reconcile.set_defaults(func=cmd_payments_reconcile)


def _setup() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prorata.settings")
    django.setup()


def cmd_worker(args: argparse.Namespace) -> int:
    _setup()
    from prorata.worker import run_worker

    if args.interval <= 0:
        print("--interval must be positive", file=sys.stderr)
        return 2
    run_worker(interval=args.interval, queues=tuple(args.queues or ["*"]), max_tasks=args.max_tasks)
    return 0


class _Bar:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int, enabled: bool):
        self.total = max(total, 1)
        self.enabled = enabled

    def __call__(self, result: Any) -> None:
        if not self.enabled:
            return
        done = result.subscriptions + result.credit_notes
        width = 30
        filled = min(width, width * done // self.total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def cmd_billing_run(args: argparse.Namespace) -> int:
    _setup()
    from prorata.cli import parse_time
    from prorata.core.actor import Actor
    from prorata.tenants.selectors import now_for

    from .engine import (
        DEFAULT_BATCH_SIZE,
        REALTIME,
        audit_pass,
        default_workers,
        due_count,
        run_pass_in_workers,
    )

    args.batch_size = DEFAULT_BATCH_SIZE if args.batch_size is None else args.batch_size
    args.workers = default_workers() if args.workers is None else args.workers
    if args.batch_size < 1:
        print("--batch-size must be at least 1", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    try:
        as_of = parse_time(args.as_of) if args.as_of else now_for(None)
    except Exception as exc:  # CliError: one line, no traceback
        print(str(exc), file=sys.stderr)
        return 2
    actor = Actor(kind="system", id="cli", label="prorata billing run", is_operator=True, role="operator")
    bar = _Bar(due_count(as_of=as_of), enabled=sys.stderr.isatty() and not args.no_progress)
    result = run_pass_in_workers(
        as_of=as_of, workers=args.workers, tenant_filter=REALTIME, batch_size=args.batch_size, actor=actor, progress=bar,
    )
    bar.close()
    audit_pass(result, actor)
    print(
        f"billing pass as of {as_of.isoformat()}: {result.subscriptions} subscriptions "
        f"({result.renewals} renewals), {result.credit_notes} credit notes settled"
        + (f", {len(result.failures)} failed (see the log)" if result.failures else "")
    )
    return 1 if result.failures else 0


def cmd_payments_reconcile(args: argparse.Namespace) -> int:
    _setup()
    from .services.reconcile import payments_reconcile

    total = None
    while True:
        result = payments_reconcile(force=args.all)
        if total is None:
            total = result
        else:
            for name in ("found", "made", "abandoned", "finished", "failed"):
                setattr(total, name, getattr(total, name) + getattr(result, name))
        if result.finished == 0 or result.failed:
            break
    print(
        f"payments reconciled: {total.finished} finished ({total.found} answered by the processor, "
        f"{total.made} made now, {total.abandoned} abandoned checkouts), {total.failed} left for later"
    )
    return 1 if total.failed else 0
