"""Test clocks (operators only): a frozen time that tenants created on it live at.

Advancing a clock is where the billing engine will process, in time order, all work that falls
due for the clock's tenants (SPEC §6). `_engine_advance()` is the one hook for that: when
`prorata.subscriptions.engine.advance_clock(clock, to, *, actor)` exists, it moves the time (step by
step, doing the due work); otherwise the time is simply set.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib import import_module
from typing import Any

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.clock import ensure_utc, system_clock
from prorata.core.errors import Conflict

from ..domain import validation as v
from ..models import TestClock
from ..selectors import test_clock_get
from .access import require_operator


def test_clock_create(*, actor: Actor, frozen_time: datetime, name: str = "") -> TestClock:
    require_operator(actor)
    frozen_time = v.clean_time(frozen_time)
    name = v.clean_name(name, "name", "invalid_clock_name") if name else ""
    with transaction.atomic():
        clock = TestClock.objects.create(name=name, frozen_time=frozen_time, created_at=system_clock.now())
        audit_record(
            actor=actor, action="test_clock.created", object_type="test_clock", object_id=clock.pk, tenant_id=None,
            at=frozen_time, after={"name": name, "frozen_time": frozen_time.isoformat()},
        )
    return clock


def _engine_advance() -> Callable[..., Any] | None:
    try:
        engine = import_module("prorata.subscriptions.engine")
    except ModuleNotFoundError as exc:
        if exc.name != "prorata.subscriptions.engine":
            raise
        return None
    return getattr(engine, "advance_clock", None)


def _refuse_backwards(frozen: datetime, to: datetime) -> None:
    if to < frozen:
        raise Conflict(
            "clock_cannot_go_backwards",
            details={"frozen_time": frozen.isoformat(), "requested": to.isoformat()},
            frozen_time=frozen.isoformat(), requested=to.isoformat(),
        )


def test_clock_advance(*, actor: Actor, clock_id: str, to: datetime) -> TestClock:
    """Move the clock forward to `to` (the same time is a no-op); backwards is refused."""
    clock = test_clock_get(actor=actor, clock_id=clock_id)
    to = v.clean_time(to)
    advance = _engine_advance()
    with transaction.atomic():
        clock = TestClock.objects.select_for_update(no_key=True).get(pk=clock.pk)
        before = ensure_utc(clock.frozen_time)
        _refuse_backwards(before, to)
        if to == before:
            return clock
        if advance is None:
            clock.frozen_time = to
            clock.save(update_fields=["frozen_time"])
            _audit_advanced(actor, clock, before, to)
            return clock
    # The engine owns its transactions: it moves the time step by step, doing the due work.
    advance(clock, to, actor=actor)
    with transaction.atomic():
        clock = TestClock.objects.select_for_update(no_key=True).get(pk=clock.pk)
        _audit_advanced(actor, clock, before, ensure_utc(clock.frozen_time))
    return clock


def _audit_advanced(actor: Actor, clock: TestClock, before: datetime, after: datetime) -> None:
    audit_record(
        actor=actor, action="test_clock.advanced", object_type="test_clock", object_id=clock.pk, tenant_id=None,
        at=after, before={"frozen_time": before.isoformat()}, after={"frozen_time": after.isoformat()},
    )


# Not pytest tests, whatever their names say, when a test module imports them.
test_clock_create.__test__ = False  # type: ignore[attr-defined]
test_clock_advance.__test__ = False  # type: ignore[attr-defined]
