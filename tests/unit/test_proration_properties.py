"""Properties of core.proration: credits are bounded by what was paid and rounded once, HALF_UP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from prorata.core.periods import period
from prorata.core.proration import remaining_charge, unused_credit, used_and_total

ZONES = ["UTC", "Asia/Shanghai", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago"]

anchors = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31)).map(  # noqa: DTZ001
    lambda d: d.replace(tzinfo=UTC)
)
paid_amounts = st.integers(min_value=0, max_value=10**12)


@st.composite
def cancellations(draw: st.DrawFn) -> dict:
    anchor = draw(anchors)
    tz = draw(st.sampled_from(ZONES))
    interval = draw(st.sampled_from(["month", "year"]))
    n = draw(st.integers(min_value=0, max_value=24))
    start, end = period(anchor, interval, n, tz)
    # Anywhere from a little before the period to a little after it.
    span = int((end - start).total_seconds())
    at = start + timedelta(seconds=draw(st.integers(min_value=-86400 * 3, max_value=span + 86400 * 3)))
    return {"start": start, "end": end, "at": at, "tz": tz, "unit": draw(st.sampled_from(["day", "second"]))}


@settings(max_examples=500, deadline=None)
@given(case=cancellations(), paid=paid_amounts)
def test_credit_is_never_negative_and_never_more_than_paid(case: dict, paid: int) -> None:
    credit = unused_credit(paid, case["start"], case["end"], case["at"], case["unit"], case["tz"])
    assert 0 <= credit <= paid


@settings(max_examples=500, deadline=None)
@given(case=cancellations(), paid=paid_amounts)
def test_credit_is_rounded_half_up_exactly_once(case: dict, paid: int) -> None:
    used, total = used_and_total(case["start"], case["end"], case["at"], case["unit"], case["tz"])
    assert 0 <= used <= total
    with localcontext() as ctx:
        ctx.prec = 60  # exact for these magnitudes: no intermediate rounding at all
        expected = (Decimal(paid) * Decimal(total - used) / Decimal(total)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert unused_credit(paid, case["start"], case["end"], case["at"], case["unit"], case["tz"]) == int(expected)


@settings(max_examples=300, deadline=None)
@given(case=cancellations(), paid=paid_amounts)
def test_credit_only_shrinks_as_the_period_goes_on(case: dict, paid: int) -> None:
    later = case["at"] + timedelta(hours=13)
    earlier_credit = unused_credit(paid, case["start"], case["end"], case["at"], case["unit"], case["tz"])
    later_credit = unused_credit(paid, case["start"], case["end"], later, case["unit"], case["tz"])
    assert later_credit <= earlier_credit


@settings(max_examples=300, deadline=None)
@given(case=cancellations(), paid=paid_amounts)
def test_full_credit_at_the_start_and_none_at_the_end(case: dict, paid: int) -> None:
    start, end, unit, tz = case["start"], case["end"], case["unit"], case["tz"]
    assert unused_credit(paid, start, end, start, unit, tz) == paid
    assert unused_credit(paid, start, end, end, unit, tz) == 0
    assert remaining_charge(paid, start, end, case["at"], unit, tz) == unused_credit(paid, start, end, case["at"], unit, tz)
