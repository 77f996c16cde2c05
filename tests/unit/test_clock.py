"""core.clock: aware UTC everywhere, frozen clocks only move forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from prorata.core.clock import FrozenClock, SystemClock, ensure_utc, system_clock


def test_ensure_utc_converts_aware_times() -> None:
    shanghai = timezone(timedelta(hours=8))
    assert ensure_utc(datetime(2026, 1, 1, 8, tzinfo=shanghai)) == datetime(2026, 1, 1, 0, tzinfo=UTC)
    assert ensure_utc(datetime(2026, 1, 1, 8, tzinfo=shanghai)).tzinfo is UTC


def test_ensure_utc_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 1, 1))  # noqa: DTZ001


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)
    assert system_clock.now().tzinfo is UTC


def test_frozen_clock_stands_still_and_moves_forward() -> None:
    clock = FrozenClock(datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8))))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    assert clock.now() == clock.now()
    clock.move_to(datetime(2026, 2, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 2, 1, tzinfo=UTC)
    clock.move_to(datetime(2026, 2, 1, tzinfo=UTC))  # standing still is allowed
    assert clock.now() == datetime(2026, 2, 1, tzinfo=UTC)


def test_frozen_clock_refuses_to_go_back() -> None:
    clock = FrozenClock(datetime(2026, 2, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="forward"):
        clock.move_to(datetime(2026, 1, 31, 23, 59, tzinfo=UTC))
    assert clock.now() == datetime(2026, 2, 1, tzinfo=UTC)


def test_frozen_clock_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        FrozenClock(datetime(2026, 1, 1))  # noqa: DTZ001
