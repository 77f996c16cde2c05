"""Proration, SPEC §5: what part of a paid period is unused at a moment, and its money.

`day`: used = calendar days from the period's start date to the date of `at`, both in the
tenant's zone (the day of `at` is not counted as used); total = days in the period.
`second`: the same in seconds. Each result is rounded once, HALF_UP, to the minor unit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from .clock import ensure_utc
from .money import round_half_up
from .periods import days_between

Unit = Literal["day", "second"]
UNITS: tuple[Unit, ...] = ("day", "second")


def used_and_total(start: datetime, end: datetime, at: datetime, unit: Unit, tz: str = "UTC") -> tuple[int, int]:
    """(used, total) units of [start, end) at `at`, clamped so 0 <= used <= total."""
    start, end, at = ensure_utc(start), ensure_utc(end), ensure_utc(at)
    if end <= start:
        raise ValueError("empty period")
    if unit == "day":
        total = days_between(start, end, tz)
        used = days_between(start, at, tz)
    elif unit == "second":
        total = int((end - start).total_seconds())
        used = int((at - start).total_seconds())
    else:
        raise ValueError(f"unknown proration unit {unit!r}")
    total = max(total, 1)
    return min(max(used, 0), total), total


def unused_credit(paid: int, start: datetime, end: datetime, at: datetime, unit: Unit, tz: str = "UTC") -> int:
    """The credit for the unused part: round_half_up(paid x (total - used) / total).

    `paid` is what the period's invoice lines actually charged (never today's price), so the
    credit is never negative and never more than `paid`.
    """
    if paid < 0:
        raise ValueError("paid must not be negative")
    used, total = used_and_total(start, end, at, unit, tz)
    return round_half_up(paid * (total - used), total)


def remaining_charge(full_amount: int, start: datetime, end: datetime, at: datetime, unit: Unit, tz: str = "UTC") -> int:
    """What the rest of the period costs for something that costs `full_amount` for all of it."""
    return unused_credit(full_amount, start, end, at, unit, tz)
