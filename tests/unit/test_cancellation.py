"""The cancellation decision (SPEC §2 R1-R6, §4, §5): exact values and properties."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prorata.subscriptions.domain.cancellation import (
    CancelPolicy,
    RefundPreview,
    SubscriptionFacts,
    decide,
    refund_preview,
)

GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "data" / "proration.json").read_text())["cases"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


START = utc(2022, 2, 1, 11)
END = utc(2022, 3, 1, 11)


def facts(**kw) -> SubscriptionFacts:
    defaults = dict(
        status="active", assigned_licenses=1, has_payment_method=True,
        current_period_start=START, current_period_end=END, paid_for_period=2000, currency="USD",
        trial_end=None, canceled_at=None, timezone="UTC",
    )
    return SubscriptionFacts(**{**defaults, **kw})


DEFAULT = CancelPolicy()


def test_default_policy_is_the_spec_default() -> None:
    assert DEFAULT == CancelPolicy(24, None, "day", "next_billing_cycle")


def test_microsoft_worked_example_credit_1857() -> None:
    d = decide(facts(), DEFAULT, now=utc(2022, 2, 3, 11))
    assert d.outcome == "allowed"
    assert d.code == "cancel_allowed"
    assert d.refund_preview == RefundPreview(amount=1857, currency="USD", settles_on=END)
    assert d.options == ("cancel",)
    assert d.users_to_remove == 0
    assert d.params == {"assigned": 1, "max": 24, "amount": 1857, "currency": "USD", "settles_on": "2022-03-01"}
    assert d.as_dict()["refund_preview"] == {"amount": 1857, "currency": "USD", "settles_on": "2022-03-01T11:00:00Z"}


@pytest.mark.parametrize("case", GOLDEN, ids=[c["source"][:40] for c in GOLDEN])
def test_golden_proration_figures(case: dict) -> None:
    start = datetime.fromisoformat(case["period_start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(case["period_end"].replace("Z", "+00:00"))
    at = datetime.fromisoformat(case["at"].replace("Z", "+00:00"))
    f = facts(current_period_start=start, current_period_end=end, paid_for_period=case["paid_for_period"],
              currency=case["currency"], timezone=case["timezone"])
    policy = CancelPolicy(proration_unit=case["unit"])
    d = decide(f, policy, now=at)
    assert d.refund_preview is not None
    assert d.refund_preview.amount == case["credit"]


@pytest.mark.parametrize(("settlement", "settles_on"), [
    ("next_billing_cycle", END), ("refund_now", utc(2022, 2, 3, 11)), ("keep_as_balance", utc(2022, 2, 3, 11)),
])
def test_settles_on_follows_credit_settlement(settlement: str, settles_on: datetime) -> None:
    preview = refund_preview(facts(), CancelPolicy(credit_settlement=settlement), utc(2022, 2, 3, 11))
    assert preview == RefundPreview(1857, "USD", settles_on)


def test_day_proration_counts_days_in_the_tenant_zone() -> None:
    # 2022-02-03 02:00 UTC is still 2022-02-02 in Los Angeles: 1 day used there, 2 in UTC.
    start, end = utc(2022, 2, 1, 12), utc(2022, 3, 1, 12)
    at = utc(2022, 2, 3, 2)
    utc_credit = decide(facts(current_period_start=start, current_period_end=end), DEFAULT, now=at)
    la_credit = decide(facts(current_period_start=start, current_period_end=end, timezone="America/Los_Angeles"), DEFAULT, now=at)
    assert utc_credit.refund_preview.amount == 1857  # 26/28 of 2000
    assert la_credit.refund_preview.amount == 1929  # 27/28 of 2000 = 1928.57 -> 1929


def test_second_proration() -> None:
    d = decide(facts(), CancelPolicy(proration_unit="second"), now=utc(2022, 2, 3, 11))
    assert d.refund_preview.amount == 1857  # exactly 2 of 28 days in seconds too
    d = decide(facts(), CancelPolicy(proration_unit="second"), now=utc(2022, 2, 3, 23))
    # used 2.5 days = 216000 s of 2419200 s: 2000 * 2203200 / 2419200 = 1821.43 -> 1821
    assert d.refund_preview.amount == 1821


def test_cancel_on_the_first_day_returns_everything_and_after_the_end_nothing() -> None:
    assert decide(facts(), DEFAULT, now=START).refund_preview.amount == 2000
    assert decide(facts(), DEFAULT, now=END + timedelta(hours=1)).refund_preview.amount == 0


def test_unpaid_period_credits_nothing() -> None:
    d = decide(facts(status="past_due", paid_for_period=0), DEFAULT, now=utc(2022, 2, 3, 11))
    assert (d.outcome, d.code, d.refund_preview.amount) == ("allowed", "cancel_allowed", 0)


# R3 and R5


@pytest.mark.parametrize(("assigned", "outcome"), [(0, "allowed"), (1, "allowed"), (24, "allowed"), (25, "blocked"), (40, "blocked")])
def test_r3_fewer_than_25_assigned(assigned: int, outcome: str) -> None:
    d = decide(facts(assigned_licenses=assigned), DEFAULT, now=utc(2022, 2, 3, 11))
    assert d.outcome == outcome
    assert d.assigned_licenses == assigned
    assert d.max_assigned_for_online_cancel == 24


def test_r5_exactly_25_is_blocked_with_one_user_to_remove() -> None:
    d = decide(facts(assigned_licenses=25), DEFAULT, now=utc(2022, 2, 3, 11))
    assert d.outcome == "blocked"
    assert d.code == "too_many_licenses"
    assert d.users_to_remove == 1
    assert d.options == ("remove_users", "request_callback")
    assert d.refund_preview is None
    assert d.params == {"assigned": 25, "max": 24, "users_to_remove": 1}


def test_r5_forty_assigned_needs_sixteen_removed() -> None:
    d = decide(facts(assigned_licenses=40), DEFAULT, now=utc(2022, 2, 3, 11))
    assert (d.code, d.users_to_remove) == ("too_many_licenses", 16)


def test_null_max_means_no_limit() -> None:
    d = decide(facts(assigned_licenses=10_000), CancelPolicy(max_assigned_for_online_cancel=None), now=utc(2022, 2, 3, 11))
    assert (d.outcome, d.code, d.max_assigned_for_online_cancel) == ("allowed", "cancel_allowed", None)


def test_max_zero_blocks_any_assigned_license() -> None:
    policy = CancelPolicy(max_assigned_for_online_cancel=0)
    assert decide(facts(assigned_licenses=0), policy, now=START).outcome == "allowed"
    d = decide(facts(assigned_licenses=1), policy, now=START)
    assert (d.outcome, d.users_to_remove) == ("blocked", 1)


def test_assisted_waives_r3_only() -> None:
    d = decide(facts(assigned_licenses=40), DEFAULT, now=utc(2022, 2, 3, 11), assisted=True)
    assert (d.outcome, d.code, d.assisted) == ("allowed", "cancel_allowed", True)
    assert d.refund_preview.amount == 1857
    # ...but not the cancel window, nor R1.
    policy = CancelPolicy(cancel_window_hours=168)
    d = decide(facts(assigned_licenses=40), policy, now=START + timedelta(days=8), assisted=True)
    assert d.code == "outside_cancel_window"
    d = decide(facts(status="trialing", has_payment_method=False, trial_end=END), DEFAULT, now=START, assisted=True)
    assert d.code == "trial_nothing_to_cancel"


# Cancel window


def test_cancel_window_168_hours() -> None:
    policy = CancelPolicy(cancel_window_hours=168)
    inside = decide(facts(), policy, now=START + timedelta(hours=168))
    assert (inside.outcome, inside.code) == ("allowed", "cancel_allowed")
    outside = decide(facts(), policy, now=START + timedelta(hours=168, seconds=1))
    assert (outside.outcome, outside.code) == ("blocked", "outside_cancel_window")
    assert outside.options == ("turn_off_recurring_billing",)
    assert outside.refund_preview is None
    assert outside.params["hours"] == 168
    assert outside.params["window_closed_at"] == "2022-02-08T11:00:00Z"
    assert outside.params["period_end"] == "2022-03-01"


def test_cancel_window_comes_before_the_license_limit() -> None:
    d = decide(facts(assigned_licenses=30), CancelPolicy(cancel_window_hours=1), now=START + timedelta(hours=2))
    assert d.code == "outside_cancel_window"


# Trials: R1 and R2


def test_r1_trial_without_payment_method_has_nothing_to_cancel() -> None:
    trial_end = utc(2022, 3, 3, 11)
    d = decide(facts(status="trialing", has_payment_method=False, trial_end=trial_end, paid_for_period=0),
               DEFAULT, now=START)
    assert (d.outcome, d.code) == ("nothing_to_cancel", "trial_nothing_to_cancel")
    assert d.params["trial_end"] == "2022-03-03"
    assert d.options == ()
    assert d.refund_preview is None


def test_r1_trial_end_is_the_tenants_local_date() -> None:
    d = decide(facts(status="trialing", has_payment_method=False, trial_end=utc(2022, 3, 3, 20), timezone="Asia/Shanghai"),
               DEFAULT, now=START)
    assert d.params["trial_end"] == "2022-03-04"


def test_r2_trial_with_payment_method_can_be_cancelled_for_nothing() -> None:
    d = decide(facts(status="trialing", has_payment_method=True, trial_end=END, paid_for_period=0), DEFAULT, now=START)
    assert (d.outcome, d.code) == ("allowed", "trial_cancel_allowed")
    assert d.refund_preview == RefundPreview(0, "USD", None)
    assert d.params["trial_end"] == "2022-03-01"


def test_r3_applies_to_a_trial_with_payment_method_too() -> None:
    d = decide(facts(status="trialing", assigned_licenses=25, trial_end=END), DEFAULT, now=START)
    assert (d.code, d.users_to_remove) == ("too_many_licenses", 1)


def test_a_trial_has_no_cancel_window() -> None:
    d = decide(facts(status="trialing", trial_end=END), CancelPolicy(cancel_window_hours=1), now=START + timedelta(days=5))
    assert d.code == "trial_cancel_allowed"


# Already cancelled, expired


@pytest.mark.parametrize("status", ["disabled", "deleted"])
def test_disabled_and_deleted_are_already_cancelled(status: str) -> None:
    d = decide(facts(status=status, canceled_at=utc(2022, 2, 3, 11)), DEFAULT, now=utc(2022, 2, 4))
    assert (d.outcome, d.code) == ("nothing_to_cancel", "already_cancelled")
    assert d.params["canceled_on"] == "2022-02-03"


def test_a_cancelled_trial_is_already_cancelled() -> None:
    d = decide(facts(status="trialing", trial_end=END, canceled_at=utc(2022, 2, 2)), DEFAULT, now=utc(2022, 2, 4))
    assert d.code == "already_cancelled"


def test_expired_has_nothing_to_cancel_with_its_own_code() -> None:
    d = decide(facts(status="expired"), DEFAULT, now=utc(2022, 3, 5))
    assert (d.outcome, d.code) == ("nothing_to_cancel", "expired_nothing_to_cancel")


def test_as_dict_is_json_ready() -> None:
    d = decide(facts(assigned_licenses=25), DEFAULT, now=START)
    assert json.loads(json.dumps(d.as_dict())) == {
        "outcome": "blocked", "code": "too_many_licenses", "assigned_licenses": 25,
        "max_assigned_for_online_cancel": 24, "users_to_remove": 1,
        "options": ["remove_users", "request_callback"], "refund_preview": None, "assisted": False,
        "params": {"assigned": 25, "max": 24, "users_to_remove": 1},
    }


# Properties

instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))
zones = st.sampled_from(["UTC", "America/Los_Angeles", "Asia/Shanghai", "Europe/London", "Australia/Lord_Howe"])


@settings(max_examples=300, deadline=None)
@given(
    paid=st.integers(min_value=0, max_value=10**9),
    start=instants,
    length=st.integers(min_value=3600, max_value=400 * 86400),
    offset=st.integers(min_value=-86400, max_value=500 * 86400),
    unit=st.sampled_from(["day", "second"]),
    tz=zones,
)
def test_credit_is_between_zero_and_what_was_paid(paid, start, length, offset, unit, tz) -> None:
    end = start + timedelta(seconds=length)
    now = start + timedelta(seconds=offset)
    f = facts(current_period_start=start, current_period_end=end, paid_for_period=paid, timezone=tz)
    d = decide(f, CancelPolicy(proration_unit=unit, max_assigned_for_online_cancel=None), now=now)
    assert d.outcome == "allowed"
    assert 0 <= d.refund_preview.amount <= paid


@settings(max_examples=300, deadline=None)
@given(
    assigned=st.integers(min_value=0, max_value=500),
    limit=st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
    status=st.sampled_from(["active", "past_due"]),
)
def test_blocked_iff_assigned_exceeds_max_and_removal_reaches_max(assigned, limit, status) -> None:
    d = decide(facts(status=status, assigned_licenses=assigned), CancelPolicy(max_assigned_for_online_cancel=limit), now=START)
    over = limit is not None and assigned > limit
    assert (d.outcome == "blocked") == over
    if over:
        assert d.code == "too_many_licenses"
        assert assigned - d.users_to_remove == limit
        assert d.users_to_remove >= 1
        # after removing that many, the decision is allowed
        after = decide(facts(status=status, assigned_licenses=assigned - d.users_to_remove),
                       CancelPolicy(max_assigned_for_online_cancel=limit), now=START)
        assert after.outcome == "allowed"
    else:
        assert d.users_to_remove == 0
    # assisted never blocks on the limit
    assert decide(facts(status=status, assigned_licenses=assigned), CancelPolicy(max_assigned_for_online_cancel=limit),
                  now=START, assisted=True).outcome == "allowed"
