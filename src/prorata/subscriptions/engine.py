"""The billing pass: every piece of billing work due up to a time, in time order, in batches.

One code path serves real time (the worker, `prorata billing run`) and test clocks
(`advance_clock`). Work comes from two places: subscriptions whose `next_action_at` has come
(trial end, renewal, charge retries, period end, grace end, disabled end) and pending credit
notes whose `settles_on` has come (R6).

Exactly once, however many passes run, crash or overlap:
- each batch claims its rows with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite
  serialises writers with BEGIN IMMEDIATE), so two workers never plan the same subscription;
- every charge is recorded before it is made and its outcome written after
  (subscriptions.services.billing_work): a subscription with a call in flight is left to the
  process that made it, and a call that outlived its lease is reconciled with the processor
  (subscriptions.services.reconcile) before anything is charged again;
- each effect is unique by business key in the database (one period invoice per
  (subscription, period_start), one payment per charge key, one settlement per credit note).

At one instant, renewals are planned before credit notes settle, so that the invoices issued at
a note's boundary take their part of it first (R6) and the rest is refunded.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from prorata.audit.services import audit_record
from prorata.billing.domain.schedule import COLLECT_DELAY
from prorata.billing.models import CreditNote, CreditNoteStatus
from prorata.billing.services import (
    calls_in_flight_notes,
    calls_make,
    credit_notes_complete,
    credit_notes_prepare,
    tenants_lock,
)
from prorata.catalog.models import Plan
from prorata.core.actor import SYSTEM, Actor
from prorata.core.clock import ensure_utc
from prorata.core.errors import Conflict
from prorata.notifications.services import timed_notices_due
from prorata.platform.locks import named_lock
from prorata.platform.writer import Changes
from prorata.tenants.models import Tenant, TestClock

from .models import Subscription
from .services.billing_work import batch_charge, batch_finish, batch_prepare
from .services.reconcile import payments_reconcile

log = logging.getLogger(__name__)

# Measured with bench/billing_run.py (docs/architecture.md): batches of 500 renewed 0.76x as fast
# as batches of 5,000 on PostgreSQL and 0.62x on SQLite; batches of 3,000 cost about 4 % more CPU
# per renewal than 5,000 and keep two workers and their parent at about 380 MB together instead
# of 440–520 MB (the bound is 500 MB).
DEFAULT_BATCH_SIZE = 3000
# How long a pass waits for another worker holding due rows before it leaves them to it.
LOCKED_WAIT_SECONDS = 0.05
LOCKED_WAIT_LIMIT = 200


@dataclass
class TenantFilter:
    """Which tenants a pass serves: real-time ones (no test clock) or one clock's."""

    clock_id: str | None = None
    realtime: bool = True
    tenant_ids: tuple[str, ...] = ()

    def q(self, prefix: str = "") -> Q:
        if self.tenant_ids:
            return Q(**{f"{prefix}tenant_id__in": self.tenant_ids})
        if self.clock_id:
            return Q(**{f"{prefix}tenant__test_clock_id": self.clock_id})
        if self.realtime:
            return Q(**{f"{prefix}tenant__test_clock__isnull": True})
        return Q()


REALTIME = TenantFilter()
ALL_TENANTS = TenantFilter(realtime=False)


@dataclass
class PassResult:
    as_of: datetime
    subscriptions: int = 0
    renewals: int = 0
    retries: int = 0
    credit_notes: int = 0
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(), "subscriptions": self.subscriptions, "renewals": self.renewals,
            "retries": self.retries, "credit_notes": self.credit_notes, "failures": list(self.failures),
        }


def _due_subscriptions(tenants: TenantFilter, bound: datetime, skip: set[str], *, ready: bool = False) -> QuerySet[Subscription]:
    """Subscriptions with work due by `bound`; `ready`: only those whose work may be done now —
    not behind a credit note of their tenant that settles earlier (its rest may become account
    credit that their invoice takes)."""
    qs = Subscription.objects.filter(tenants.q(), next_action_at__isnull=False, next_action_at__lte=bound)
    if ready:
        qs = qs.exclude(Exists(CreditNote.objects.filter(
            tenant_id=OuterRef("tenant_id"), status=CreditNoteStatus.PENDING, settles_on__lt=OuterRef("next_action_at"))))
    if skip:
        qs = qs.exclude(pk__in=skip)
    return qs


def _due_credit_notes(tenants: TenantFilter, bound: datetime, skip: set[str], *, ready: bool = False) -> QuerySet[CreditNote]:
    """Pending credit notes due by `bound`; `ready`: only those whose tenant has no subscription
    work due at or before their instant any more (R6: the invoices issued at a note's boundary
    take their part of it first)."""
    qs = CreditNote.objects.filter(tenants.q(), status=CreditNoteStatus.PENDING, settles_on__lte=bound)
    if ready:
        qs = qs.exclude(Exists(Subscription.objects.filter(
            tenant_id=OuterRef("tenant_id"), next_action_at__isnull=False, next_action_at__lte=OuterRef("settles_on"))))
    if skip:
        qs = qs.exclude(pk__in=skip)
    return qs


def _work_left(tenants: TenantFilter, sub_limit: datetime, as_of: datetime, skip_subs: set[str],
               skip_notes: set[str]) -> bool:
    """Whether any due subscription or credit note is left that is not behind another due one (one
    statement: the first row of both)."""
    subs = _due_subscriptions(tenants, sub_limit, skip_subs, ready=True).order_by().values_list("id")
    notes = _due_credit_notes(tenants, as_of, skip_notes, ready=True).order_by().values_list("id")
    return bool(subs.union(notes, all=True)[:1])


def _skip_locked() -> dict[str, bool]:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


def _claim(qs: QuerySet, order: str, batch_size: int) -> list:
    # Ordered by the due time (and id among equals, so a batch and the same work one row at a
    # time take it in the same order); the partial index on the due time serves ORDER BY … LIMIT.
    return list(qs.select_for_update(no_key=True, of=("self",), **_skip_locked()).order_by(order, "id")[:batch_size])


def _subscription_batch(tenants: TenantFilter, bound: datetime, batch_size: int, actor: Actor, result: PassResult,
                        skip: set[str], busy: set[str], plans: dict[str, Plan], notes_due: bool = True) -> tuple[int, int]:
    """Claim and do one batch of subscription work due up to `bound`; returns how many were
    claimed and how many of those were not left to another process (a charge in flight)."""
    with transaction.atomic():
        subs = _claim(_due_subscriptions(tenants, bound, skip | busy, ready=True), "next_action_at", batch_size)
        if not subs:
            return 0, 0
        # One tenant object per tenant, not one per subscription row (a join would build each
        # tenant again for every subscription of it).
        owners = Tenant.objects.in_bulk({s.tenant_id for s in subs})
        for sub in subs:
            sub.tenant = owners[sub.tenant_id]
        batch = batch_prepare(subs, bound=bound, actor=actor, plans=plans, notes_due=notes_due)
    # Committed: every charge of the batch is on record before the processor is asked.
    busy.update(batch.busy)
    results = batch_charge(batch)
    batch_finish(batch, results)
    result.subscriptions += batch.done
    result.renewals += batch.renewals
    result.retries += batch.retries
    for sub_id in batch.failures:
        # Never loop on one broken subscription: log it, leave it due, go on without it.
        skip.add(sub_id)
        result.failures.append(sub_id)
    return len(subs), len(subs) - len(batch.busy)


def _credit_note_batch(tenants: TenantFilter, bound: datetime, batch_size: int, actor: Actor, result: PassResult,
                       skip: set[str], busy: set[str]) -> tuple[int, int]:
    with transaction.atomic():
        due = _due_credit_notes(tenants, bound, skip | busy, ready=True)
        # Their tenants first (settling moves credit to their balances), then the notes: the
        # order every transaction locks them in (platform.locks).
        owners = sorted(set(due.order_by("settles_on", "id").values_list("tenant_id", flat=True)[:batch_size]))
        tenants_lock(owners)
        notes = _claim(due.filter(tenant_id__in=owners).select_related("subscription__plan", "invoice"), "settles_on", batch_size)
        if not notes:
            return 0, 0
        waiting = calls_in_flight_notes([n.pk for n in notes])
        busy.update(waiting)
        ready = [n for n in notes if n.pk not in waiting]
        changes = Changes()
        calls = credit_notes_prepare(changes, ready, actor=actor)
        changes.flush()
    if calls:
        try:
            credit_notes_complete(calls, calls_make(calls))
        except Exception:
            log.exception("settling %d credit notes failed; their refunds will be reconciled", len(ready))
            failed = {c["credit_note_id"] for c in calls}
            skip.update(failed)
            result.failures.extend(sorted(failed))
            ready = [n for n in ready if n.pk not in failed]
    result.credit_notes += len(ready)
    return len(notes), len(notes) - len(waiting)


def run_pass(
    *,
    as_of: datetime,
    tenant_filter: TenantFilter = REALTIME,
    batch_size: int | None = None,
    actor: Actor = SYSTEM,
    progress: Callable[[PassResult], None] | None = None,
    reconcile_all: bool = False,
) -> PassResult:
    """Do all billing work due up to `as_of` for the tenants of `tenant_filter`, in time order.

    Calls to the processor left without an outcome are reconciled first (those whose lease
    ended; with `reconcile_all`, every renewal's and refund's of these tenants — a clock's advance,
    which holds the clock's lock, knows no other pass is making them). Then subscriptions due at
    or before the next credit settlement go first (renewals before the credits they take), then
    the credit notes of that instant, and so on. Safe to run again, to resume after a crash,
    and in any number of workers at once.
    """
    as_of = ensure_utc(as_of)
    batch_size = batch_size or DEFAULT_BATCH_SIZE
    result = PassResult(as_of=as_of)
    payments_reconcile(tenant_q=tenant_filter.q(), passes_only=reconcile_all, force=reconcile_all)
    # Time-driven e-mail notices (trial ending…) due by the pass's time, before the work that ends the trial.
    timed_notices_due(as_of=as_of, tenant_q=tenant_filter.q())
    sub_limit = as_of + COLLECT_DELAY
    skip_subs: set[str] = set()
    skip_notes: set[str] = set()
    busy_subs: set[str] = set()
    busy_notes: set[str] = set()
    plans: dict[str, Plan] = {}
    waits = 0

    def wait() -> bool:
        # Another worker holds due rows, or has their charges in flight: give it time to finish.
        nonlocal waits
        waits += 1
        if waits > LOCKED_WAIT_LIMIT:
            return False
        time.sleep(LOCKED_WAIT_SECONDS)
        busy_subs.clear()
        busy_notes.clear()
        return True

    # Subscriptions and credit notes are claimed in large batches across tenants; the order that
    # matters — within a tenant, the work at an instant before the notes of that instant, and
    # those notes before the work after them — is kept by what each claim may take (`ready`).
    notes_pending = _due_credit_notes(tenant_filter, as_of, skip_notes).exists()
    while True:
        # A claim whose rows were all left to another process is no progress: the waits go on
        # counting, so a pass never spins on work it cannot do.
        claimed, done = _subscription_batch(tenant_filter, sub_limit, batch_size, actor, result, skip_subs, busy_subs,
                                            plans, notes_due=notes_pending)
        if not claimed and notes_pending:
            claimed, done = _credit_note_batch(tenant_filter, as_of, batch_size, actor, result, skip_notes, busy_notes)
        if claimed:
            if done:
                waits = 0
                if progress:
                    progress(result)
            continue
        # Nothing this pass could claim: if due work is left that another process holds (locked
        # rows, charges in flight), or that waits on such work, give that process time; work
        # held up only by what this pass skipped (a failure) is left for the next pass.
        if _work_left(tenant_filter, sub_limit, as_of, skip_subs, skip_notes) and wait():
            notes_pending = True
            continue
        break
    if result.subscriptions or result.credit_notes:
        # And those its work made due (a subscription it disabled that is to be deleted soon).
        timed_notices_due(as_of=as_of, tenant_q=tenant_filter.q())
    return result


def default_workers() -> int:
    """Processes for a pass when the operator names none: one per core on PostgreSQL, where one
    process's Python work overlaps another's database work; one on SQLite, which takes one
    writer at a time (two processes renewed 0.64x as fast as one there)."""
    import os

    return (os.cpu_count() or 1) if connection.vendor == "postgresql" else 1


def run_pass_in_workers(
    *,
    as_of: datetime,
    workers: int,
    tenant_filter: TenantFilter = REALTIME,
    batch_size: int = DEFAULT_BATCH_SIZE,
    actor: Actor = SYSTEM,
    progress: Callable[[PassResult], None] | None = None,
) -> PassResult:
    """`run_pass` in `workers` processes at once, each with its own connection; their sum.

    The workers share the due set exactly as separate `prorata worker`s do (claims by
    SKIP LOCKED, effects unique by key), so this only changes how fast a pass goes: Python's
    work in one process overlaps the database's work for another. SQLite takes one writer at a
    time, so there only the Python side overlaps. With `progress`, the bar follows the due count.
    """
    as_of = ensure_utc(as_of)
    if workers <= 1:
        return run_pass(as_of=as_of, tenant_filter=tenant_filter, batch_size=batch_size, actor=actor, progress=progress)
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    from django.db import connections

    from . import pass_process

    total = due_count(as_of=as_of, tenant_filter=tenant_filter) if progress else 0
    connections.close_all()
    # spawn: each worker starts clean and opens its own connection (never one inherited by fork).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=pass_process.init,
                             initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(pass_process.run, as_of, tenant_filter, batch_size, actor) for _ in range(workers)]
        while True:
            done, pending = wait(futures, timeout=1.0, return_when=FIRST_EXCEPTION)
            if progress and pending:
                left = due_count(as_of=as_of, tenant_filter=tenant_filter)
                progress(PassResult(as_of=as_of, subscriptions=max(0, total - left)))
            if not pending or any(f.exception() for f in done):
                break
        parts = [f.result() for f in futures]
    merged = PassResult(as_of=as_of)
    for part in parts:
        merged.subscriptions += part.subscriptions
        merged.renewals += part.renewals
        merged.retries += part.retries
        merged.credit_notes += part.credit_notes
        merged.failures.extend(part.failures)
    if progress:
        progress(merged)
    return merged


def due_count(*, as_of: datetime, tenant_filter: TenantFilter = REALTIME) -> int:
    """How many subscriptions and credit notes have work due by `as_of` (for progress bars)."""
    as_of = ensure_utc(as_of)
    return _due_subscriptions(tenant_filter, as_of, set()).count() + _due_credit_notes(tenant_filter, as_of, set()).count()


def advance_clock(clock: TestClock, to: datetime, *, actor: Actor) -> TestClock:
    """Move a test clock forward to `to`, doing all work due for its tenants on the way.

    Advances of one clock are serialised by a lock that ends with its holder (platform.locks):
    a second advance waits for the first, then does what is left up to its own time, so every
    piece of work up to the latest time is done exactly once. Work runs in time order at its own
    instants (a year ahead bills twelve monthly renewals, each dated at its boundary); the clock
    then reads `to`. Backwards (also behind an advance that finished first) →
    `clock_cannot_go_backwards`.
    """
    to = ensure_utc(to)
    with named_lock(f"test_clock:{clock.pk}"):
        current = ensure_utc(TestClock.objects.values_list("frozen_time", flat=True).get(pk=clock.pk))
        if to < current:
            raise Conflict(
                "clock_cannot_go_backwards", frozen_time=current.isoformat(), requested=to.isoformat(),
                details={"frozen_time": current.isoformat(), "requested": to.isoformat()},
            )
        run_pass(as_of=to, tenant_filter=TenantFilter(clock_id=clock.pk, realtime=False), actor=actor, reconcile_all=True)
        with transaction.atomic():
            locked = TestClock.objects.select_for_update(no_key=True).get(pk=clock.pk)
            if to > ensure_utc(locked.frozen_time):
                locked.frozen_time = to
                locked.save(update_fields=["frozen_time"])
    clock.frozen_time = locked.frozen_time
    return clock


def audit_pass(result: PassResult, actor: Actor = SYSTEM) -> None:
    """Record a billing run (the CLI's `billing run`) in the audit log."""
    with transaction.atomic():
        audit_record(
            actor=actor, action="billing.run", object_type="billing_run", object_id=result.as_of.isoformat()[:40],
            tenant_id=None, at=result.as_of, after=result.as_dict(),
        )
