"""Properties of core.periods: periods tile without gap or overlap, for every anchor day."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prorata.core.periods import boundary, local_date, period, period_at, period_index_at

ZONES = ["UTC", "Asia/Shanghai", "America/Los_Angeles", "Europe/London", "Australia/Lord_Howe"]
TEN_YEARS = {"month": 120, "year": 10}


def _anchor(year: int, month: int, day: int, hour: int, minute: int, tz: str) -> datetime:
    day = min(day, calendar.monthrange(year, month)[1])
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


@pytest.mark.parametrize("interval", ["month", "year"])
@pytest.mark.parametrize("day", range(1, 32))
@pytest.mark.parametrize("tz", ZONES)
def test_ten_years_of_periods_tile_for_every_anchor_day(interval: str, day: int, tz: str) -> None:
    # January has 31 days, so every anchor day 1..31 exists; 2024 starts a leap cycle.
    month = 1 if interval == "month" else 2 if day <= 29 else 1
    anchor = datetime(2024, month, day, 10, 0, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    periods = [period(anchor, interval, n, tz) for n in range(TEN_YEARS[interval])]  # type: ignore[arg-type]
    assert periods[0][0] == anchor
    for (start, end), (next_start, _next_end) in zip(periods, periods[1:], strict=False):
        assert start < end
        assert end == next_start  # no gap, no overlap
    for n, (start, _end) in enumerate(periods):
        local = start.astimezone(ZoneInfo(tz))
        months = n * (1 if interval == "month" else 12)
        total = 2024 * 12 + (month - 1) + months
        year, month0 = divmod(total, 12)
        # The day comes back to the anchor's whenever the month is long enough.
        assert local.day == min(day, calendar.monthrange(year, month0 + 1)[1])
        assert (local.year, local.month) == (year, month0 + 1)


@settings(max_examples=300, deadline=None)
@given(
    year=st.integers(min_value=2000, max_value=2040),
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=31),
    hour=st.integers(min_value=0, max_value=23),
    minute=st.integers(min_value=0, max_value=59),
    tz=st.sampled_from(ZONES),
    interval=st.sampled_from(["month", "year"]),
    offset_seconds=st.integers(min_value=0, max_value=10 * 366 * 86400),
)
def test_every_instant_after_the_anchor_is_in_exactly_one_period(
    year: int, month: int, day: int, hour: int, minute: int, tz: str, interval: str, offset_seconds: int
) -> None:
    anchor = _anchor(year, month, day, hour, minute, tz)
    at = anchor + timedelta(seconds=offset_seconds)
    n = period_index_at(anchor, interval, at, tz)  # type: ignore[arg-type]
    start, end = period(anchor, interval, n, tz)  # type: ignore[arg-type]
    assert start <= at < end
    assert period_at(anchor, interval, at, tz) == (start, end)  # type: ignore[arg-type]
    # Neighbours do not contain it: the periods do not overlap.
    if n > 0:
        assert period(anchor, interval, n - 1, tz)[1] <= at  # type: ignore[arg-type]
    assert period(anchor, interval, n + 1, tz)[0] > at  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    year=st.integers(min_value=2000, max_value=2040),
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=31),
    tz=st.sampled_from(ZONES),
    n=st.integers(min_value=0, max_value=240),
)
def test_boundaries_are_computed_from_the_anchor_not_chained(year: int, month: int, day: int, tz: str, n: int) -> None:
    anchor = _anchor(year, month, day, 12, 0, tz)
    b = boundary(anchor, "month", n, tz)
    # A monthly boundary is 28..31 local days after the previous one, never drifting.
    if n > 0:
        gap = (local_date(b, tz) - local_date(boundary(anchor, "month", n - 1, tz), tz)).days
        assert 28 <= gap <= 31
    assert boundary(anchor, "month", 12 * (n // 12), tz) == boundary(anchor, "year", n // 12, tz)
