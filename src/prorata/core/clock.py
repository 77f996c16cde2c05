"""Where business logic gets "now". Nothing else reads the system time.

A tenant on a test clock lives at the clock's frozen time; every other tenant at system time.
Pure rules never call a clock at all: they take the time as an argument.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Real time, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until moved; used for test clocks and tests."""

    def __init__(self, at: datetime):
        self._at = ensure_utc(at)

    def now(self) -> datetime:
        return self._at

    def move_to(self, at: datetime) -> None:
        at = ensure_utc(at)
        if at < self._at:
            raise ValueError("a frozen clock only moves forward")
        self._at = at


def ensure_utc(at: datetime) -> datetime:
    """Reject naive datetimes; return the same instant in UTC."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: every time in Prorata carries its zone")
    return at.astimezone(UTC)


system_clock = SystemClock()
