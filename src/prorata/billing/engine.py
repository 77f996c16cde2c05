"""The billing pass: every piece of billing work due up to a time, in time order, in batches.

One code path serves real time (the worker, `prorata billing run`) and test clocks
(`advance_clock`). Work comes from two places: subscriptions whose `next_action_at` has come
(trial end, renewal, charge and retries, period end, grace end, disabled end) and pending credit
notes whose `settles_on` has come (R6).

Exactly once, however many passes run, crash or overlap:
- each batch is one transaction that claims its rows with SELECT … FOR UPDATE SKIP LOCKED
  (PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), so two workers never hold the
  same subscription, and a crashed worker's claim ends with its transaction;
- each effect is unique by business key (one period invoice per (subscription, period_start),
  one settlement per credit note) and every step re-reads the state it acts on under the lock.

At one instant, renewals are issued before credit notes settle (so a credit pays them), and
collection of a renewal whose tenant has credit settling at that instant runs just after it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Min, Q, QuerySet

from prorata.audit.services import audit_record
from prorata.catalog.models import Plan
from prorata.core.actor import SYSTEM, Actor
from prorata.core.clock import ensure_utc
from prorata.core.errors import Conflict
from prorata.subscriptions.models import Subscription
from prorata.tenants.models import TestClock

from .domain.schedule import COLLECT_DELAY, RENEW
from .models import CreditNote, CreditNoteStatus
from .services.lifecycle import subscription_process_due, work_of
from .services.settlement import credit_note_settle

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
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
    credit_notes: int = 0
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(), "subscriptions": self.subscriptions,
            "renewals": self.renewals, "credit_notes": self.credit_notes, "failures": list(self.failures),
        }


def _due_subscriptions(tenants: TenantFilter, bound: datetime, skip: set[str]) -> QuerySet[Subscription]:
    qs = Subscription.objects.filter(tenants.q(), next_action_at__isnull=False, next_action_at__lte=bound)
    if skip:
        qs = qs.exclude(pk__in=skip)
    return qs


def _due_credit_notes(tenants: TenantFilter, bound: datetime, skip: set[str]) -> QuerySet[CreditNote]:
    qs = CreditNote.objects.filter(tenants.q(), status=CreditNoteStatus.PENDING, settles_on__lte=bound)
    if skip:
        qs = qs.exclude(pk__in=skip)
    return qs


def _skip_locked() -> dict[str, bool]:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


def _claim(qs: QuerySet, order: str, batch_size: int) -> list:
    # Ordered by the due time alone, so the partial index on it serves ORDER BY … LIMIT without
    # sorting every due row for every batch.
    return list(qs.select_for_update(of=("self",), **_skip_locked()).order_by(order)[:batch_size])


def _tenants_with_credit_at(tenant_ids: set[str], bound: datetime) -> set[str]:
    return set(
        CreditNote.objects.filter(tenant_id__in=tenant_ids, status=CreditNoteStatus.PENDING, settles_on__lte=bound)
        .values_list("tenant_id", flat=True)
    )


def _subscription_batch(tenants: TenantFilter, bound: datetime, batch_size: int, actor: Actor, result: PassResult, skip: set[str]) -> int:
    """Claim and process one batch of subscriptions due up to `bound`; returns how many."""
    from . import bulk

    with transaction.atomic():
        subs = _claim(_due_subscriptions(tenants, bound, skip).select_related("tenant"), "next_action_at", batch_size)
        if not subs:
            return 0
        # A batch has thousands of subscriptions and a handful of plans: read each plan once.
        plans = Plan.objects.select_related("product").in_bulk({s.plan_id for s in subs})
        for sub in subs:
            sub.plan = plans[sub.plan_id]
        claimed = len(subs)
        try:
            with transaction.atomic():
                subs = bulk.renew_simple(subs, actor=actor, result=result)
        except Exception:
            # The per-row path below does the same work one subscription at a time, and
            # isolates whatever made the batch fail.
            log.exception("bulk renewal failed; renewing this batch row by row")
        crediting = _tenants_with_credit_at({s.tenant_id for s in subs}, bound) if subs else set()
        for sub in subs:
            work = work_of(sub)
            if work is None or work.due > bound:
                # Stale next_action_at (changed by a service in between): reschedule only.
                Subscription.objects.filter(pk=sub.pk).update(next_action_at=work.due if work else None)
                continue
            try:
                with transaction.atomic():
                    subscription_process_due(
                        actor=actor, subscription=sub, work=work,
                        defer_collection=work.kind == RENEW and sub.tenant_id in crediting,
                    )
            except Exception:
                # Never loop on one broken subscription: log it, leave it due, go on without it.
                log.exception("billing work failed for subscription %s", sub.pk)
                skip.add(sub.pk)
                result.failures.append(sub.pk)
                continue
            result.subscriptions += 1
            if work.kind == RENEW:
                result.renewals += 1
        return claimed


def _credit_note_batch(tenants: TenantFilter, bound: datetime, batch_size: int, actor: Actor, result: PassResult, skip: set[str]) -> int:
    with transaction.atomic():
        notes = _claim(_due_credit_notes(tenants, bound, skip), "settles_on", batch_size)
        for note in notes:
            try:
                with transaction.atomic():
                    credit_note_settle(actor=actor, credit_note=note, at=note.settles_on)
            except Exception:
                log.exception("settling credit note %s failed", note.pk)
                skip.add(note.pk)
                result.failures.append(note.pk)
                continue
            result.credit_notes += 1
        return len(notes)


def _min(qs: QuerySet, name: str) -> datetime | None:
    value = qs.aggregate(m=Min(name))["m"]
    return ensure_utc(value) if value is not None else None


def run_pass(
    *,
    as_of: datetime,
    tenant_filter: TenantFilter = REALTIME,
    batch_size: int = DEFAULT_BATCH_SIZE,
    actor: Actor = SYSTEM,
    progress: Callable[[PassResult], None] | None = None,
) -> PassResult:
    """Do all billing work due up to `as_of` for the tenants of `tenant_filter`, in time order.

    Subscriptions due at or before the next credit settlement go first (renewals before the
    credits that pay them), then the credit notes of that instant, and so on. Safe to run again,
    to resume after a crash, and in any number of workers at once.
    """
    as_of = ensure_utc(as_of)
    result = PassResult(as_of=as_of)
    # The collection of invoices issued at `as_of` belongs to that instant (it only waits for
    # the credits settling at it), so a pass up to `as_of` does it too.
    sub_limit = as_of + COLLECT_DELAY
    skip_subs: set[str] = set()
    skip_notes: set[str] = set()
    waits = 0
    while True:
        next_credit = _min(_due_credit_notes(tenant_filter, as_of, skip_notes), "settles_on")
        bound = min(as_of, next_credit) if next_credit else sub_limit
        if _subscription_batch(tenant_filter, bound, batch_size, SYSTEM if actor is None else actor, result, skip_subs):
            if progress:
                progress(result)
            continue
        if next_credit is None:
            break
        if _due_subscriptions(tenant_filter, next_credit, skip_subs).exists():
            # Another worker holds subscriptions due before these credits: let it finish them.
            waits += 1
            if waits > LOCKED_WAIT_LIMIT:
                break
            time.sleep(LOCKED_WAIT_SECONDS)
            continue
        waits = 0
        if not _credit_note_batch(tenant_filter, next_credit, batch_size, actor, result, skip_notes):
            # Every due note is held by another worker.
            break
        if progress:
            progress(result)
    return result


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
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=pass_process.init) as pool:
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

    Work runs in time order at its own instants (a year ahead bills twelve monthly renewals,
    each dated at its boundary); the clock then reads `to`. Backwards → `clock_cannot_go_backwards`.
    """
    to = ensure_utc(to)
    with transaction.atomic():
        locked = TestClock.objects.select_for_update().get(pk=clock.pk)
        current = ensure_utc(locked.frozen_time)
        if to < current:
            raise Conflict(
                "clock_cannot_go_backwards", frozen_time=current.isoformat(), requested=to.isoformat(),
                details={"frozen_time": current.isoformat(), "requested": to.isoformat()},
            )
    run_pass(as_of=to, tenant_filter=TenantFilter(clock_id=clock.pk, realtime=False), actor=actor)
    with transaction.atomic():
        locked = TestClock.objects.select_for_update().get(pk=clock.pk)
        before = ensure_utc(locked.frozen_time)
        if to > before:
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
