"""Billing periods, computed from the stored anchor, never by chaining "+1 month".

A period is half-open [start, end). Month arithmetic happens on the wall-clock time in the
tenant's zone, so a Shanghai tenant who buys on the 1st local time renews on the 1st local
time, and a day of month past the month's end is clamped to its last day (Jan 31 -> Feb 29 ->
Mar 31). Each boundary is anchor + n intervals, so the day returns to the anchor's.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .clock import ensure_utc

Interval = Literal["month", "year"]
INTERVALS: tuple[Interval, ...] = ("month", "year")


def _months(interval: Interval) -> int:
    if interval == "month":
        return 1
    if interval == "year":
        return 12
    raise ValueError(f"unknown interval {interval!r}")


def add_months_local(local: datetime, months: int) -> datetime:
    """`local` moved by whole months, the day clamped to the target month's length."""
    total = local.year * 12 + (local.month - 1) + months
    year, month0 = divmod(total, 12)
    day = min(local.day, calendar.monthrange(year, month0 + 1)[1])
    return local.replace(year=year, month=month0 + 1, day=day)


def _to_utc_from_wall(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time in `tz` as a UTC instant.

    In a gap (spring forward) the wall time does not exist; fold=0 maps it forward the usual
    way. In an overlap (fall back) the earlier instant is taken. Either way the result is a
    function of the anchor alone, so periods still tile.
    """
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def boundary(anchor: datetime, interval: Interval, n: int, tz: str = "UTC") -> datetime:
    """The n-th period boundary after `anchor` (n=0 is the anchor itself), in UTC."""
    zone = ZoneInfo(tz)
    wall = ensure_utc(anchor).astimezone(zone).replace(tzinfo=None)
    return _to_utc_from_wall(add_months_local(wall, n * _months(interval)), zone)


def period(anchor: datetime, interval: Interval, n: int, tz: str = "UTC") -> tuple[datetime, datetime]:
    """Period number n (0-based) as [start, end)."""
    return boundary(anchor, interval, n, tz), boundary(anchor, interval, n + 1, tz)


def period_index_at(anchor: datetime, interval: Interval, at: datetime, tz: str = "UTC") -> int:
    """The n with period(n) containing `at` (at >= anchor)."""
    at = ensure_utc(at)
    anchor = ensure_utc(anchor)
    if at < anchor:
        raise ValueError("time before the anchor")
    zone = ZoneInfo(tz)
    a, t = anchor.astimezone(zone), at.astimezone(zone)
    months = (t.year - a.year) * 12 + (t.month - a.month)
    n = max(0, months // _months(interval) - 1)
    while boundary(anchor, interval, n + 1, tz) <= at:
        n += 1
    return n


def period_at(anchor: datetime, interval: Interval, at: datetime, tz: str = "UTC") -> tuple[datetime, datetime]:
    return period(anchor, interval, period_index_at(anchor, interval, at, tz), tz)


def local_date(at: datetime, tz: str) -> date:
    """The calendar date of an instant in a zone: the one place an instant becomes a local day."""
    return ensure_utc(at).astimezone(ZoneInfo(tz)).date()


def days_between(start: datetime, end: datetime, tz: str) -> int:
    """Calendar days from start's local date to end's local date."""
    return (local_date(end, tz) - local_date(start, tz)).days


def add_days(at: datetime, days: int) -> datetime:
    return ensure_utc(at) + timedelta(days=days)
