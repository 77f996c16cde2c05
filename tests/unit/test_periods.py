"""core.periods, SPEC §3: every boundary from the anchor, in the tenant's zone, half-open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from prorata.core.periods import (
    add_days,
    add_months_local,
    boundary,
    days_between,
    local_date,
    period,
    period_at,
    period_index_at,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_monthly_from_the_31st_clamps_and_returns_in_a_leap_year() -> None:
    anchor = utc(2024, 1, 31, 9, 30)
    assert [boundary(anchor, "month", n) for n in range(5)] == [
        utc(2024, 1, 31, 9, 30),
        utc(2024, 2, 29, 9, 30),
        utc(2024, 3, 31, 9, 30),
        utc(2024, 4, 30, 9, 30),
        utc(2024, 5, 31, 9, 30),
    ]


def test_monthly_from_the_31st_in_a_common_year() -> None:
    anchor = utc(2026, 1, 31)
    assert [boundary(anchor, "month", n).date() for n in range(4)] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
    ]


def test_monthly_from_the_30th_and_29th_come_back_after_february() -> None:
    assert boundary(utc(2026, 1, 30), "month", 1) == utc(2026, 2, 28)
    assert boundary(utc(2026, 1, 30), "month", 2) == utc(2026, 3, 30)
    assert boundary(utc(2026, 1, 29), "month", 1) == utc(2026, 2, 28)
    assert boundary(utc(2026, 1, 29), "month", 2) == utc(2026, 3, 29)


def test_billing_never_stops_after_february() -> None:
    """Kill Bill #127: billing day 31 gave no invoice for April. Twelve months, twelve periods."""
    anchor = utc(2025, 12, 31)
    starts = [period(anchor, "month", n)[0].date() for n in range(13)]
    assert [d.month for d in starts] == [12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert starts[2] == date(2026, 2, 28)
    assert starts[4] == date(2026, 4, 30)
    assert starts[12] == date(2026, 12, 31)


def test_yearly_from_february_29th() -> None:
    anchor = utc(2024, 2, 29, 12)
    assert [boundary(anchor, "year", n) for n in range(5)] == [
        utc(2024, 2, 29, 12),
        utc(2025, 2, 28, 12),
        utc(2026, 2, 28, 12),
        utc(2027, 2, 28, 12),
        utc(2028, 2, 29, 12),
    ]


def test_period_is_half_open_and_consecutive_periods_touch() -> None:
    anchor = utc(2024, 1, 31)
    first = period(anchor, "month", 0)
    second = period(anchor, "month", 1)
    assert first == (utc(2024, 1, 31), utc(2024, 2, 29))
    assert second == (utc(2024, 2, 29), utc(2024, 3, 31))
    # The boundary instant belongs to the later period.
    assert period_at(anchor, "month", utc(2024, 2, 29)) == second
    assert period_at(anchor, "month", utc(2024, 2, 29) - timedelta(microseconds=1)) == first


def test_period_index_at() -> None:
    anchor = utc(2024, 1, 31)
    assert period_index_at(anchor, "month", anchor) == 0
    assert period_index_at(anchor, "month", utc(2024, 3, 1)) == 1
    assert period_index_at(anchor, "month", utc(2024, 3, 31)) == 2
    assert period_index_at(anchor, "month", utc(2034, 3, 30, 23, 59)) == 121
    assert period_index_at(utc(2024, 2, 29), "year", utc(2028, 2, 28, 23)) == 3
    assert period_index_at(utc(2024, 2, 29), "year", utc(2028, 2, 29)) == 4


def test_period_index_before_anchor_is_refused() -> None:
    with pytest.raises(ValueError):
        period_index_at(utc(2024, 1, 31), "month", utc(2024, 1, 30))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        boundary(datetime(2024, 1, 31), "month", 1)  # noqa: DTZ001


def test_unknown_interval_is_refused() -> None:
    with pytest.raises(ValueError):
        boundary(utc(2024, 1, 31), "week", 1)  # type: ignore[arg-type]


def test_shanghai_tenant_renews_on_the_local_first() -> None:
    # 2026-01-01 00:00 in Shanghai (UTC+8, no DST) is 2025-12-31 16:00 UTC.
    anchor = utc(2025, 12, 31, 16)
    assert boundary(anchor, "month", 1, "Asia/Shanghai") == utc(2026, 1, 31, 16)
    assert boundary(anchor, "month", 2, "Asia/Shanghai") == utc(2026, 2, 28, 16)
    assert local_date(boundary(anchor, "month", 2, "Asia/Shanghai"), "Asia/Shanghai") == date(2026, 3, 1)
    # In UTC the same anchor is the 31st: a different calendar.
    assert boundary(anchor, "month", 2, "UTC") == utc(2026, 2, 28, 16)
    assert boundary(anchor, "month", 3, "UTC") == utc(2026, 3, 31, 16)
    assert boundary(anchor, "month", 3, "Asia/Shanghai") == utc(2026, 3, 31, 16)
    assert local_date(boundary(anchor, "month", 3, "Asia/Shanghai"), "Asia/Shanghai") == date(2026, 4, 1)


def test_los_angeles_keeps_local_time_across_dst() -> None:
    # 09:00 PST (UTC-8) on Jan 15; PDT (UTC-7) starts 2026-03-08; PST again from 2026-11-01.
    anchor = utc(2026, 1, 15, 17)
    tz = "America/Los_Angeles"
    assert boundary(anchor, "month", 1, tz) == utc(2026, 2, 15, 17)
    assert boundary(anchor, "month", 2, tz) == utc(2026, 3, 15, 16)  # 09:00 PDT
    assert boundary(anchor, "month", 10, tz) == utc(2026, 11, 15, 17)  # 09:00 PST again
    start, end = period(anchor, "month", 1, tz)
    assert end - start == timedelta(days=28, hours=-1)  # the spring-forward hour is missing
    assert days_between(start, end, tz) == 28


def test_los_angeles_anchor_in_the_spring_forward_gap() -> None:
    # 02:30 on 2026-02-08 PST; 2026-03-08 02:30 does not exist in Los Angeles.
    tz = "America/Los_Angeles"
    anchor = utc(2026, 2, 8, 10, 30)
    gap = boundary(anchor, "month", 1, tz)
    assert gap == utc(2026, 3, 8, 10, 30)  # 03:30 PDT, the wall time moved forward
    assert period(anchor, "month", 1, tz)[0] == gap
    assert boundary(anchor, "month", 2, tz) == utc(2026, 4, 8, 9, 30)  # 02:30 PDT
    assert gap < boundary(anchor, "month", 2, tz)


def test_los_angeles_anchor_in_the_fall_back_overlap_takes_the_earlier_instant() -> None:
    # 01:30 on 2026-10-01 PDT; 2026-11-01 01:30 happens twice in Los Angeles.
    tz = "America/Los_Angeles"
    anchor = utc(2026, 10, 1, 8, 30)
    assert boundary(anchor, "month", 1, tz) == utc(2026, 11, 1, 8, 30)  # 01:30 PDT, the first one
    assert boundary(anchor, "month", 2, tz) == utc(2026, 12, 1, 9, 30)  # 01:30 PST


def test_local_date_converts_once_in_the_tenants_zone() -> None:
    at = utc(2026, 3, 1, 7, 59)
    assert local_date(at, "UTC") == date(2026, 3, 1)
    assert local_date(at, "America/Los_Angeles") == date(2026, 2, 28)
    assert local_date(at, "Asia/Shanghai") == date(2026, 3, 1)
    assert local_date(utc(2026, 2, 28, 16), "Asia/Shanghai") == date(2026, 3, 1)
    # Any aware input works, whatever zone it carries.
    assert local_date(datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=9))), "UTC") == date(2026, 2, 28)


def test_days_between_counts_calendar_days_in_the_zone() -> None:
    assert days_between(utc(2024, 2, 1, 11), utc(2024, 3, 1, 11), "UTC") == 29
    assert days_between(utc(2024, 2, 1, 23), utc(2024, 2, 2, 1), "UTC") == 1
    assert days_between(utc(2024, 2, 1, 23), utc(2024, 2, 2, 1), "Asia/Shanghai") == 0
    # Los Angeles, across spring forward: March 2026 has 31 local days, 743 hours.
    start, end = utc(2026, 3, 1, 8), utc(2026, 4, 1, 7)
    assert days_between(start, end, "America/Los_Angeles") == 31
    assert end - start == timedelta(hours=743)


def test_add_months_local_clamps() -> None:
    assert add_months_local(datetime(2024, 1, 31, 10), 1) == datetime(2024, 2, 29, 10)  # noqa: DTZ001
    assert add_months_local(datetime(2024, 1, 31, 10), -2) == datetime(2023, 11, 30, 10)  # noqa: DTZ001
    assert add_months_local(datetime(2024, 12, 15), 1) == datetime(2025, 1, 15)  # noqa: DTZ001


def test_add_days() -> None:
    assert add_days(utc(2024, 2, 28, 5), 2) == utc(2024, 3, 1, 5)
