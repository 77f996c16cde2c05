"""core.proration, SPEC §5, against the published figures in golden/proration.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from prorata.core.proration import remaining_charge, unused_credit, used_and_total

REPO = Path(__file__).resolve().parents[2]
SHARED_GOLDEN = REPO.parent / "shared" / "golden" / "proration.json"
LOCAL_GOLDEN = REPO / "tests" / "data" / "proration.json"


def _golden() -> list[dict[str, Any]]:
    # The shared file is the source; the copy under tests/data keeps a clean checkout testable.
    path = SHARED_GOLDEN if SHARED_GOLDEN.exists() else LOCAL_GOLDEN
    return json.loads(path.read_text(encoding="utf-8"))["cases"]


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_local_copy_of_the_golden_file_is_complete_and_current() -> None:
    local = json.loads(LOCAL_GOLDEN.read_text(encoding="utf-8"))
    keys = {"source", "unit", "currency", "paid_for_period", "period_start", "period_end", "timezone", "at", "credit"}
    assert len(local["cases"]) == 5
    assert all(set(case) == keys for case in local["cases"])
    # Beside the shared contract (a development checkout), the copy must not have drifted from it.
    if SHARED_GOLDEN.exists():
        assert local == json.loads(SHARED_GOLDEN.read_text(encoding="utf-8"))


def test_golden_file_has_every_case() -> None:
    assert len(_golden()) == 5


@pytest.mark.parametrize("case", _golden(), ids=lambda c: c["source"][:40])
def test_golden_case(case: dict[str, Any]) -> None:
    credit = unused_credit(
        case["paid_for_period"],
        _t(case["period_start"]),
        _t(case["period_end"]),
        _t(case["at"]),
        case["unit"],
        case["timezone"],
    )
    assert credit == case["credit"]


def test_microsoft_worked_example() -> None:
    start, end, at = utc(2022, 2, 1, 11), utc(2022, 3, 1, 11), utc(2022, 2, 3, 11)
    assert used_and_total(start, end, at, "day") == (2, 28)
    assert unused_credit(2000, start, end, at, "day") == 1857
    assert 2000 - unused_credit(2000, start, end, at, "day") == 143


def test_cancelling_on_the_first_day_credits_everything() -> None:
    start, end = utc(2026, 1, 1), utc(2026, 2, 1)
    assert unused_credit(2000, start, end, start, "day") == 2000
    assert unused_credit(2000, start, end, utc(2026, 1, 1, 23, 59), "day") == 2000
    assert unused_credit(2000, start, end, start, "second") == 2000


def test_the_day_of_cancellation_is_not_counted_as_used() -> None:
    start, end = utc(2026, 1, 1), utc(2026, 2, 1)
    assert used_and_total(start, end, utc(2026, 1, 2, 0, 0), "day") == (1, 31)
    assert used_and_total(start, end, utc(2026, 1, 2, 23, 59), "day") == (1, 31)
    assert unused_credit(3100, start, end, utc(2026, 1, 2, 12), "day") == 3000


def test_at_or_after_the_end_credits_nothing_and_before_the_start_everything() -> None:
    start, end = utc(2026, 1, 1), utc(2026, 2, 1)
    assert unused_credit(2000, start, end, end, "day") == 0
    assert unused_credit(2000, start, end, utc(2026, 3, 1), "second") == 0
    assert unused_credit(2000, start, end, utc(2025, 12, 1), "day") == 2000


def test_the_denominator_is_the_whole_period() -> None:
    """Lago #6194: a clamped start gave 21 days instead of 31."""
    start, end = utc(2026, 1, 1), utc(2026, 2, 1)
    assert used_and_total(start, end, utc(2026, 1, 11), "day") == (10, 31)
    assert unused_credit(3100, start, end, utc(2026, 1, 11), "day") == 2100


def test_zero_paid_is_zero_credit() -> None:
    assert unused_credit(0, utc(2026, 1, 1), utc(2026, 2, 1), utc(2026, 1, 10), "day") == 0


def test_jpy_and_kwd_round_to_their_own_minor_unit() -> None:
    start, end, at = utc(2026, 1, 1), utc(2026, 2, 1), utc(2026, 1, 11)
    # 1000 JPY x 21/31 = 677.419... -> 677 yen; 1.000 KWD x 21/31 = 0.677419 -> 0.677
    assert unused_credit(1000, start, end, at, "day") == 677
    assert unused_credit(1_000_000, start, end, at, "day") == 677419


def test_exact_half_rounds_up() -> None:
    # 1 minor unit over a 2-day period, one day used: 0.5 -> 1.
    assert unused_credit(1, utc(2026, 1, 1), utc(2026, 1, 3), utc(2026, 1, 2), "day") == 1
    # 5 over 2 days: 2.5 -> 3 (half-to-even would give 2).
    assert unused_credit(5, utc(2026, 1, 1), utc(2026, 1, 3), utc(2026, 1, 2), "day") == 3


def test_day_proration_counts_days_in_the_tenants_zone() -> None:
    """Kill Bill #139: a tenant at UTC-8 got a spurious one-day credit."""
    tz = "America/Los_Angeles"
    # March 2026 in Los Angeles: 00:00 PST on the 1st to 00:00 PDT on April 1st.
    start, end = utc(2026, 3, 1, 8), utc(2026, 4, 1, 7)
    # 2026-03-10 06:00 UTC is still March 9th in Los Angeles: 8 days used.
    assert used_and_total(start, end, utc(2026, 3, 10, 6), "day", tz) == (8, 31)
    assert used_and_total(start, end, utc(2026, 3, 10, 6), "day", "UTC") == (9, 31)
    assert unused_credit(3100, start, end, utc(2026, 3, 10, 6), "day", tz) == 2300


def test_day_proration_in_shanghai() -> None:
    tz = "Asia/Shanghai"
    # 2026-02-01 00:00 to 2026-03-01 00:00 in Shanghai; cancelled 2026-02-14 23:30 local.
    start, end = utc(2026, 1, 31, 16), utc(2026, 2, 28, 16)
    at = utc(2026, 2, 14, 15, 30)
    assert used_and_total(start, end, at, "day", tz) == (13, 28)
    assert unused_credit(2800, start, end, at, "day", tz) == 1500


def test_second_proration() -> None:
    start, end = utc(2026, 6, 1), utc(2026, 7, 1)
    assert used_and_total(start, end, utc(2026, 6, 1, 0, 0, 1), "second") == (1, 2_592_000)
    assert unused_credit(2_592_000, start, end, utc(2026, 6, 1, 0, 0, 1), "second") == 2_591_999
    # Across the Los Angeles spring-forward hour the period has 743 real hours.
    assert used_and_total(utc(2026, 3, 1, 8), utc(2026, 4, 1, 7), utc(2026, 3, 1, 9), "second")[1] == 743 * 3600


def test_remaining_charge_for_a_seat_added_mid_period() -> None:
    start, end = utc(2022, 2, 1, 11), utc(2022, 3, 1, 11)
    assert remaining_charge(2000, start, end, utc(2022, 2, 3, 11), "day") == 1857


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"paid": -1}, "negative"),
        ({"start": utc(2026, 2, 1), "end": utc(2026, 2, 1)}, "empty"),
        ({"unit": "hour"}, "unit"),
        ({"at": datetime(2026, 1, 5)}, "naive"),  # noqa: DTZ001
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"paid": 2000, "start": utc(2026, 1, 1), "end": utc(2026, 2, 1), "at": utc(2026, 1, 5), "unit": "day"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        unused_credit(**args)
