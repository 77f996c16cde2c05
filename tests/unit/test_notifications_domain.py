"""Pure rules of billing notices: which event makes which notice, who receives it, when timed
notices fall due, and how failed sends back off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from prorata.notifications.domain import kinds as K


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_each_event_that_tells_the_customer_something_makes_one_kind_and_renewals_make_none():
    assert K.kind_for_event("invoice.paid") == K.RECEIPT
    assert K.kind_for_event("invoice.payment_failed") == K.PAYMENT_FAILED
    assert K.kind_for_event("subscription.cancelled") == K.CANCELLED
    assert K.kind_for_event("subscription.trial_expired") == K.EXPIRED
    # A renewal or conversion is told by its receipt, never by a second "renewed" message.
    assert K.kind_for_event("subscription.renewed") is None
    assert K.kind_for_event("subscription.trial_converted") is None
    assert K.kind_for_event("invoice.issued") is None


def test_an_update_is_a_seat_change_notice_only_when_the_quantity_changed():
    assert K.kind_for_event("subscription.updated", {"quantity_before": 2, "quantity_after": 5}) == K.SEATS_CHANGED
    assert K.kind_for_event("subscription.updated", {"quantity_before": 2, "quantity_after": 2}) is None
    assert K.kind_for_event("subscription.updated", {"recurring_billing": False}) is None
    assert K.kind_for_event("subscription.updated", None) is None


def test_only_optional_kinds_can_be_muted():
    assert K.is_muted(K.SEATS_CHANGED, [K.SEATS_CHANGED])
    assert not K.is_muted(K.RECEIPT, [K.RECEIPT])
    assert K.not_mutable([K.RECEIPT, K.SEATS_CHANGED, "nonsense"]) == [K.RECEIPT]
    assert K.unknown_kinds([K.RECEIPT, "nonsense"]) == ["nonsense"]
    assert K.OPTIONAL <= set(K.KINDS)


def test_recipients_follow_the_roles_chosen_each_once_in_their_own_language_else_the_tenants():
    admins = [("GA@x.test", "global_admin", ""), ("ba@x.test", "billing_admin", "zh-Hans"), ("ga@x.test", "billing_admin", "")]
    got = K.billing_recipients(admins=admins, global_admins=True, billing_admins=True, extra=["ba@x.test", "ap@x.test"],
                               tenant_language="en")
    assert got == [K.Recipient("ga@x.test", "en"), K.Recipient("ba@x.test", "zh-Hans"), K.Recipient("ap@x.test", "en")]
    only_billing = K.billing_recipients(admins=admins, global_admins=False, billing_admins=True, extra=[],
                                        tenant_language="zh-Hans")
    assert only_billing == [K.Recipient("ba@x.test", "zh-Hans"), K.Recipient("ga@x.test", "zh-Hans")]
    assert K.billing_recipients(admins=admins, global_admins=False, billing_admins=False, extra=[], tenant_language="en") == []


def test_trial_notices_fall_due_seven_days_and_one_day_before_the_end():
    end = utc(2026, 1, 15, 12)
    assert K.trial_notices_due(end, utc(2026, 1, 8, 11, 59)) == []
    assert K.trial_notices_due(end, utc(2026, 1, 8, 12)) == [(K.TRIAL_ENDING_7D, utc(2026, 1, 8, 12))]
    # A clock that jumps past the end still owes both, each dated at its own instant.
    assert K.trial_notices_due(end, utc(2027, 1, 1)) == [
        (K.TRIAL_ENDING_7D, utc(2026, 1, 8, 12)), (K.TRIAL_ENDING_1D, utc(2026, 1, 14, 12))]
    assert K.trial_source("sub_1", end) == "trial:sub_1:20260115T120000"


def test_a_card_expires_after_its_last_valid_month():
    assert K.card_expiry(12, 2026) == (2027, 1)
    assert K.card_expiry(3, 2026) == (2026, 4)


@given(st.integers(min_value=1, max_value=10_000))
def test_the_backoff_grows_never_exceeds_an_hour_and_stops_after_two_days(failures):
    delay = K.delay_after(failures)
    assert timedelta(seconds=30) <= delay <= timedelta(hours=1)
    if failures > 1:
        assert delay >= K.delay_after(failures - 1)
    queued = utc(2026, 1, 1)
    assert K.next_attempt_at(queued, queued + timedelta(days=2), failures) is None


def test_the_first_retries_come_quickly():
    queued = utc(2026, 1, 1)
    assert K.next_attempt_at(queued, queued, 1) == queued + timedelta(seconds=30)
    assert K.next_attempt_at(queued, queued, 2) == queued + timedelta(minutes=1)
