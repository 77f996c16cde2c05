"""Pure billing rules: what work is due next, the dunning schedule, the settlement split."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prorata.billing.domain.schedule import (
    COLLECT,
    COLLECT_DELAY,
    DISABLED_END,
    GRACE_END,
    PERIOD_END,
    RENEW,
    TRIAL_END,
    Facts,
    Policy,
    next_work,
    retries_exhausted,
    retry_due,
)
from prorata.billing.domain.settlement import split_credit

T0 = datetime(2026, 1, 31, 10, tzinfo=UTC)
T1 = datetime(2026, 2, 28, 10, tzinfo=UTC)


def facts(**kw) -> Facts:
    base = {"status": "active", "recurring_billing": True, "current_period_start": T0, "current_period_end": T1,
            "trial_end": None, "status_changed_at": T0, "canceled_at": None, "payment_attempts": 0, "invoice_open": False}
    return Facts(**{**base, **kw})


def test_an_active_paid_subscription_renews_at_its_period_end():
    w = next_work(facts(), Policy())
    assert (w.kind, w.due) == (RENEW, T1)


def test_recurring_billing_off_ends_the_period_instead():
    w = next_work(facts(recurring_billing=False), Policy())
    assert (w.kind, w.due) == (PERIOD_END, T1)


def test_a_trial_ends_at_its_trial_end():
    w = next_work(facts(status="trialing", trial_end=T1), Policy())
    assert (w.kind, w.due) == (TRIAL_END, T1)


def test_an_issued_invoice_is_collected_just_after_its_boundary():
    w = next_work(facts(invoice_open=True), Policy())
    assert (w.kind, w.due) == (COLLECT, T0 + COLLECT_DELAY)


@pytest.mark.parametrize(("attempts", "days"), [(1, 1), (2, 3), (3, 5)])
def test_retries_fall_1_3_and_5_days_after_the_invoice(attempts, days):
    w = next_work(facts(status="past_due", invoice_open=True, payment_attempts=attempts), Policy())
    assert (w.kind, w.due) == (COLLECT, T0 + timedelta(days=days))


def test_retries_are_exhausted_after_the_first_charge_and_three_retries():
    assert [retries_exhausted(n) for n in range(6)] == [False, False, False, False, True, True]
    assert retry_due(T0, 4) is None


def test_expired_is_disabled_after_grace_days_and_disabled_deleted_after_disabled_days():
    w = next_work(facts(status="expired", status_changed_at=T1), Policy(grace_days=30, disabled_days=90))
    assert (w.kind, w.due) == (GRACE_END, T1 + timedelta(days=30))
    w = next_work(facts(status="disabled", status_changed_at=T1), Policy(grace_days=30, disabled_days=90))
    assert (w.kind, w.due) == (DISABLED_END, T1 + timedelta(days=90))
    assert next_work(facts(status="deleted"), Policy()) is None


def test_settlement_applies_to_invoices_first_then_refunds_then_balance():
    split = split_credit(2099, open_invoices=[("in_a", 1500)], refundable_payments=[("pay_a", 500)], mode="next_billing_cycle")
    assert (split.applications, split.refunds, split.to_balance) == ((("in_a", 1500),), (("pay_a", 500),), 99)
    assert (split.applied, split.refunded) == (1599, 500)


def test_refund_now_ignores_invoices_and_keep_as_balance_refunds_nothing():
    split = split_credit(700, open_invoices=[("in_a", 1500)], refundable_payments=[("pay_a", 5000)], mode="refund_now")
    assert (split.applications, split.refunds, split.to_balance) == ((), (("pay_a", 700),), 0)
    split = split_credit(700, open_invoices=[("in_a", 1500)], refundable_payments=[("pay_a", 5000)], mode="keep_as_balance")
    assert (split.applications, split.refunds, split.to_balance) == ((), (), 700)


amounts = st.integers(0, 10**9)


@given(amounts, st.lists(st.tuples(st.text(min_size=1, max_size=3), st.integers(-10, 10**6)), max_size=4),
       st.lists(st.tuples(st.text(min_size=1, max_size=3), st.integers(-10, 10**6)), max_size=4),
       st.sampled_from(["next_billing_cycle", "refund_now", "keep_as_balance"]))
def test_a_split_always_accounts_for_the_whole_credit_and_never_overpays(amount, invoices, payments, mode):
    split = split_credit(amount, open_invoices=invoices, refundable_payments=payments, mode=mode)
    assert split.applied + split.refunded == amount
    assert split.to_balance >= 0
    for (_i, owed), (_j, took) in zip([x for x in invoices if x[1] > 0], split.applications, strict=False):
        assert 0 < took <= owed
    assert all(a > 0 for _x, a in split.refunds)
