"""The billing planner (billing.domain.renewal): exact plans and outcomes, and properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prorata.billing.domain.checkouts import (
    plan_purchase,
    plan_reactivation,
    plan_seat_increase,
    seat_decrease_credit,
)
from prorata.billing.domain.renewal import (
    BALANCE,
    FAILED,
    PAYMENT_METHOD_REQUIRED,
    REQUIRES_ACTION,
    SUCCEEDED,
    BillingInput,
    ChargeResult,
    Credit,
    OpenInvoice,
    Plan,
    Price,
    SubscriptionFacts,
    charge_key,
    due_work,
    next_charge,
    plan_due,
    remaining_credits,
    settle,
)
from prorata.billing.domain.schedule import COLLECT, GRACE_END, PERIOD_END, RENEW, TRIAL_END, Work


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)  # type: ignore[misc]


PRICE = Price(plan_id="plan_1", currency="USD", unit_amount=2000, interval="month")


def facts(**kw) -> SubscriptionFacts:
    base = dict(id="sub_1", status="active", quantity=3, recurring_billing=True, billing_anchor=utc(2026, 1, 31, 9),
                current_period_start=utc(2026, 1, 31, 9), current_period_end=utc(2026, 2, 28, 9), trial_end=None,
                status_changed_at=utc(2026, 1, 31, 9), canceled_at=None, payment_attempts=0)
    return SubscriptionFacts(**{**base, **kw})


def inp(**kw) -> BillingInput:
    sub = kw.pop("subscription", None) or facts()
    return BillingInput(**{"subscription": sub, "price": PRICE, "timezone": "UTC", "payment_method_id": "pm_1", **kw})


OK = ChargeResult(SUCCEEDED, reference="ch_1")
DECLINED = ChargeResult(FAILED, "card_declined", "ch_2")


def test_a_renewal_invoices_the_next_period_from_the_anchor_and_charges_it_under_a_business_key():
    i = inp()
    work = due_work(i.subscription, PRICE, invoice_open=False)
    assert work == Work(RENEW, utc(2026, 2, 28, 9))
    plan = plan_due(i, work)
    assert (plan.invoice.period_start, plan.invoice.period_end) == (utc(2026, 2, 28, 9), utc(2026, 3, 31, 9))
    assert [(x.kind, x.quantity, x.unit_amount, x.amount) for x in plan.invoice.lines] == [("charge", 3, 2000, 6000)]
    assert (plan.invoice.subtotal, plan.invoice.credit_applied, plan.invoice.total) == (6000, 0, 6000)
    assert plan.charge.key == "sub_1/2026-02-28T09:00:00+00:00/1" == charge_key("sub_1", utc(2026, 2, 28, 9), 1)
    assert (plan.charge.amount, plan.charge.attempt, plan.charge.payment_method_id) == (6000, 1, "pm_1")

    out = settle(plan, i, OK)
    assert out.events == ("invoice.issued", "invoice.paid", "subscription.renewed")
    assert (out.invoice_status, out.paid_now, out.status_change) == ("paid", 6000, None)
    assert out.fields["current_period_start"] == utc(2026, 2, 28, 9)
    assert out.fields["next_action_at"] == utc(2026, 3, 31, 9)


def test_a_declined_renewal_leaves_the_invoice_open_and_the_subscription_past_due_until_the_first_retry():
    i = inp()
    plan = plan_due(i, due_work(i.subscription, PRICE, False))
    out = settle(plan, i, DECLINED)
    assert out.events == ("invoice.issued", "invoice.payment_failed", "subscription.past_due")
    assert out.status_change == ("active", "past_due", "renewal_failed")
    assert (out.invoice_status, out.paid_now, out.fields["payment_attempts"]) == ("open", 0, 1)
    assert out.fields["status_changed_at"] == utc(2026, 2, 28, 9)
    assert out.fields["next_action_at"] == utc(2026, 3, 1, 9)  # first retry a day after the invoice


def test_retries_then_exhaustion_expire_the_subscription():
    sub = facts(status="past_due", current_period_start=utc(2026, 2, 28, 9), current_period_end=utc(2026, 3, 31, 9),
                payment_attempts=1)
    open_inv = OpenInvoice("in_1", 6000)
    times = []
    for attempt in (2, 3, 4):
        i = inp(subscription=sub, open_invoice=open_inv)
        work = due_work(sub, PRICE, invoice_open=True)
        assert work.kind == COLLECT
        times.append(work.due)
        plan = plan_due(i, work)
        assert (plan.charge.key, plan.charge.amount) == (f"sub_1/2026-02-28T09:00:00+00:00/{attempt}", 6000)
        out = settle(plan, i, DECLINED)
        sub = replace(sub, **{k: out.fields[k] for k in ("status", "payment_attempts", "status_changed_at")})
    assert times == [utc(2026, 3, 1, 9), utc(2026, 3, 3, 9), utc(2026, 3, 5, 9)]
    assert out.status_change == ("past_due", "expired", "retries_exhausted")
    assert out.events == ("invoice.payment_failed", "subscription.expired")
    assert sub.status == "expired" and out.fields["next_action_at"] == utc(2026, 3, 5, 9) + timedelta(days=30)


def test_a_successful_retry_makes_the_subscription_active_again():
    sub = facts(status="past_due", payment_attempts=2)
    i = inp(subscription=sub, open_invoice=OpenInvoice("in_1", 6000))
    out = settle(plan_due(i, due_work(sub, PRICE, True)), i, OK)
    assert out.status_change == ("past_due", "active", "retry_succeeded")
    assert out.events == ("invoice.paid", "subscription.renewed")
    assert (out.fields["payment_attempts"], out.paid_now) == (0, 6000)


def test_a_trial_converts_with_a_card_and_expires_without_one():
    sub = facts(status="trialing", billing_anchor=utc(2026, 1, 31, 9), current_period_start=utc(2026, 1, 1, 9),
                current_period_end=utc(2026, 1, 31, 9), trial_end=utc(2026, 1, 31, 9), status_changed_at=utc(2026, 1, 1, 9))
    work = due_work(sub, PRICE, False)
    assert work == Work(TRIAL_END, utc(2026, 1, 31, 9))
    plan = plan_due(inp(subscription=sub), work)
    assert plan.period == (utc(2026, 1, 31, 9), utc(2026, 2, 28, 9)) and plan.charge.key.endswith("/1")
    out = settle(plan, inp(subscription=sub), OK)
    assert out.status_change == ("trialing", "active", "trial_converted")
    assert out.events == ("invoice.issued", "invoice.paid", "subscription.trial_converted")

    failed = settle(plan, inp(subscription=sub), DECLINED)
    assert failed.status_change == ("trialing", "past_due", "trial_conversion_failed")

    no_card = inp(subscription=sub, payment_method_id=None)
    plan = plan_due(no_card, work)
    assert (plan.invoice, plan.charge) == (None, None)
    out = settle(plan, no_card, None)
    assert out.status_change == ("trialing", "expired", "trial_expired") and out.events == ("subscription.trial_expired",)


def test_a_renewal_without_a_card_fails_without_asking_the_gateway():
    i = inp(payment_method_id=None)
    plan = plan_due(i, due_work(i.subscription, PRICE, False))
    assert plan.charge.payment_method_id is None
    out = settle(plan, i, None)
    assert out.payment == ChargeResult(FAILED, PAYMENT_METHOD_REQUIRED)
    assert out.status_change[1] == "past_due"


def test_credit_balance_then_credit_notes_pay_the_invoice_before_the_card():
    credits = (Credit(BALANCE, 1000), Credit("cn_1", 4452, "CN-000001"), Credit("cn_2", 9999, "CN-000002"))
    i = inp(credits=credits)
    plan = plan_due(i, due_work(i.subscription, PRICE, False))
    assert [(x.kind, x.amount, x.credit_source) for x in plan.invoice.lines] == [
        ("charge", 6000, ""), ("credit_applied", -1000, BALANCE), ("credit_applied", -4452, "cn_1"),
        ("credit_applied", -548, "cn_2")]
    assert (plan.invoice.subtotal, plan.invoice.credit_applied, plan.invoice.total, plan.charge) == (6000, 6000, 0, None)
    assert remaining_credits(credits, plan.invoice) == (
        Credit(BALANCE, 0), Credit("cn_1", 0, "CN-000001"), Credit("cn_2", 9451, "CN-000002"))
    out = settle(plan, i, None)
    assert out.events == ("invoice.issued", "invoice.paid", "subscription.renewed") and out.paid_now == 0


def test_expiry_grace_and_deletion_are_status_changes_only():
    i = inp(subscription=facts(recurring_billing=False))
    work = due_work(i.subscription, PRICE, False)
    assert work.kind == PERIOD_END
    out = settle(plan_due(i, work), i, None)
    assert out.status_change == ("active", "expired", "period_ended") and out.events == ("subscription.expired",)
    expired = facts(status="expired", status_changed_at=utc(2026, 2, 28, 9))
    work = due_work(expired, PRICE, False)
    assert work == Work(GRACE_END, utc(2026, 3, 30, 9))
    out = settle(plan_due(inp(subscription=expired), work), inp(subscription=expired), None)
    assert out.status_change == ("expired", "disabled", "grace_ended")
    assert out.fields["next_action_at"] == utc(2026, 3, 30, 9) + timedelta(days=90)


def test_a_purchase_refused_by_the_card_changes_nothing_and_one_that_succeeds_creates_an_active_subscription():
    plan = plan_purchase(subscription_id="sub_9", quantity=2, price=PRICE, timezone="UTC", at=utc(2026, 5, 4, 16),
                         payment_method_id="pm_1", credits=(Credit(BALANCE, 500),))
    assert plan.period == (utc(2026, 5, 4, 16), utc(2026, 6, 4, 16)) and plan.anchor == utc(2026, 5, 4, 16)
    assert (plan.invoice.total, plan.charge.amount, plan.charge.key) == (3500, 3500, "sub_9/2026-05-04T16:00:00+00:00/1")
    facts_new = facts(id="sub_9", quantity=2)
    refused = settle(plan, inp(subscription=facts_new), DECLINED)
    assert (refused.refused, refused.fields, refused.events) == ("card_declined", {}, ())
    needs = settle(plan, inp(subscription=facts_new), ChargeResult(REQUIRES_ACTION, "authentication_required"))
    assert needs.refused == "authentication_required"
    out = settle(plan, inp(subscription=facts_new), OK)
    assert out.events == ("subscription.created", "invoice.issued", "invoice.paid")
    assert out.fields["status"] == "active" and out.fields["next_action_at"] == utc(2026, 6, 4, 16)


def test_a_purchase_paid_entirely_by_credit_needs_no_charge():
    plan = plan_purchase(subscription_id="sub_9", quantity=1, price=PRICE, timezone="UTC", at=utc(2026, 5, 4),
                         payment_method_id=None, credits=(Credit(BALANCE, 5000),))
    assert (plan.invoice.total, plan.charge) == (0, None)
    assert settle(plan, inp(subscription=facts(id="sub_9")), None).fields["status"] == "active"


def test_reactivation_starts_a_new_anchored_period_and_clears_the_cancellation():
    sub = facts(status="disabled", canceled_at=utc(2026, 2, 1), recurring_billing=False)
    i = inp(subscription=sub)
    plan = plan_reactivation(i, utc(2026, 4, 10, 12))
    assert plan.period == (utc(2026, 4, 10, 12), utc(2026, 5, 10, 12))
    out = settle(plan, i, OK)
    assert out.status_change == ("disabled", "active", "reactivated")
    assert (out.fields["billing_anchor"], out.fields["recurring_billing"], out.fields["canceled_at"]) == (
        utc(2026, 4, 10, 12), True, None)
    assert out.events == ("invoice.issued", "invoice.paid", "subscription.reactivated")


def test_seat_changes_are_prorated_to_the_day():
    # 30-day month, 5 seats added on day 10 (20 of 30 days left): 5 × 2000 × 20/30 = 6666.67 → 6667.
    sub = facts(current_period_start=utc(2026, 4, 1), current_period_end=utc(2026, 5, 1))
    i = inp(subscription=sub)
    plan = plan_seat_increase(i, quantity=8, at=utc(2026, 4, 11, 15), unit_amount=2000)
    assert [(x.kind, x.quantity, x.amount) for x in plan.invoice.lines] == [("proration", 5, 6667)]
    assert plan.charge.key == "sub_1/2026-04-11T15:00:00+00:00/seats/3-8"
    out = settle(plan, i, OK)
    assert out.fields == {"quantity": 8} and out.events == ("invoice.issued", "invoice.paid", "subscription.updated")
    assert settle(plan, i, DECLINED).refused == "card_declined"
    assert seat_decrease_credit(sub, PRICE, "UTC", quantity=1, at=utc(2026, 4, 11, 15), unit_amount=2000) == 2667


def test_the_next_charge_is_the_planned_renewal_with_credits():
    assert next_charge(inp(credits=(Credit(BALANCE, 700),))) == (utc(2026, 2, 28, 9), 5300, "USD")
    assert next_charge(inp(subscription=facts(recurring_billing=False))) is None
    trial = facts(status="trialing", trial_end=utc(2026, 2, 1), current_period_end=utc(2026, 2, 1),
                  billing_anchor=utc(2026, 2, 1))
    assert next_charge(inp(subscription=trial, payment_method_id=None)) is None
    assert next_charge(inp(subscription=trial)) == (utc(2026, 2, 1), 6000, "USD")


amounts = st.integers(0, 10**9)


@settings(max_examples=300, deadline=None)
@given(quantity=st.integers(1, 1000), unit=st.integers(0, 10**6),
       credits=st.lists(st.tuples(st.sampled_from([BALANCE, "cn_a", "cn_b"]), amounts), max_size=4),
       declined=st.booleans())
def test_invoices_never_go_negative_take_no_more_credit_than_there_is_and_store_as_json(quantity, unit, credits, declined):
    seen: set[str] = set()
    given_credits = tuple(Credit(s, a) for s, a in credits if not (s in seen or seen.add(s)))
    i = inp(subscription=facts(quantity=quantity), price=replace(PRICE, unit_amount=unit), credits=given_credits)
    plan = plan_due(i, due_work(i.subscription, i.price, False))
    inv = plan.invoice
    assert inv.total == inv.subtotal - inv.credit_applied >= 0
    assert inv.subtotal == quantity * unit
    left = remaining_credits(given_credits, inv)
    assert all(0 <= c.available <= g.available for c, g in zip(left, given_credits, strict=True))
    assert sum(g.available - c.available for c, g in zip(left, given_credits, strict=True)) == inv.credit_applied
    assert (plan.charge is None) == (inv.total == 0)
    assert Plan.from_json(plan.to_json()) == plan
    if plan.charge is not None:
        out = settle(plan, i, DECLINED if declined else OK)
        assert out.paid_now == (0 if declined else inv.total)


@pytest.mark.parametrize("attempts", [0, 1, 2, 3])
def test_keys_depend_on_business_facts_only(attempts):
    sub = facts(status="past_due" if attempts else "active", payment_attempts=attempts)
    i = inp(subscription=sub, open_invoice=OpenInvoice("in_x", 10))
    one = plan_due(i, Work(COLLECT, utc(2026, 3, 1)))
    two = plan_due(replace(i, open_invoice=OpenInvoice("in_other_id", 10)), Work(COLLECT, utc(2026, 3, 1)))
    assert one.charge.key == two.charge.key == f"sub_1/2026-01-31T09:00:00+00:00/{attempts + 1}"


# -- plan changes and retention discounts ------------------------------------------------------

E3 = Price(plan_id="plan_e3", currency="USD", unit_amount=3000, interval="month")
ANNUAL = Price(plan_id="plan_year", currency="USD", unit_amount=20000, interval="year")


def test_a_plan_change_now_credits_the_unused_old_plan_and_charges_the_new_on_one_invoice():
    from prorata.billing.domain.checkouts import plan_change_now
    from prorata.billing.domain.renewal import PLAN_CHANGE

    # Feb 2026 has 28 days; on the 10th, 10 of 28 days are used (Jan 31 → Feb 10), 18 left.
    p = plan_change_now(inp(), new_price=E3, quantity=4, at=utc(2026, 2, 10, 9), paid_unit_amount=2000)
    lines = [(x.kind, x.quantity, x.unit_amount, x.amount) for x in p.invoice.lines]
    # 3 × 20.00 × 18/28 = 38.571 → 38.57; 4 × 30.00 × 18/28 = 77.142 → 77.14.
    assert lines == [("unused_time", 3, 2000, -3857), ("proration", 4, 3000, 7714)]
    assert (p.invoice.kind, p.invoice.subtotal, p.invoice.total) == ("change", 3857, 3857)
    assert (p.charge.purpose, p.charge.amount, p.plan_id, p.quantity) == (PLAN_CHANGE, 3857, "plan_e3", 4)
    assert p.charge.key == "sub_1/2026-02-10T09:00:00+00:00/plan/plan_1-plan_e3/4"
    assert Plan.from_json(p.to_json()) == p
    out = settle(p, inp(), OK)
    assert out.fields == {"quantity": 4, "plan_id": "plan_e3", "scheduled_plan_id": None, "scheduled_quantity": None,
                          "scheduled_at": None}
    assert out.events == ("invoice.issued", "invoice.paid", "subscription.updated")
    assert settle(p, inp(), DECLINED).refused == "card_declined"


def test_a_plan_change_now_is_never_a_downgrade_nor_a_new_interval():
    from prorata.billing.domain.checkouts import plan_change_now

    with pytest.raises(ValueError):
        plan_change_now(inp(), new_price=replace(E3, unit_amount=1000), quantity=3, at=utc(2026, 2, 10, 9),
                        paid_unit_amount=2000)
    with pytest.raises(ValueError):
        plan_change_now(inp(), new_price=ANNUAL, quantity=3, at=utc(2026, 2, 10, 9), paid_unit_amount=2000)


def test_a_scheduled_change_bills_the_new_plan_at_the_boundary_and_a_new_interval_restarts_the_anchor():
    from prorata.billing.domain.renewal import Change

    work = Work(RENEW, utc(2026, 2, 28, 9))
    p = plan_due(inp(change=Change(ANNUAL, 2)), work)
    assert [(x.kind, x.quantity, x.amount) for x in p.invoice.lines] == [("charge", 2, 40000)]
    assert p.period == (utc(2026, 2, 28, 9), utc(2027, 2, 28, 9))
    assert (p.anchor, p.plan_id, p.quantity) == (utc(2026, 2, 28, 9), "plan_year", 2)
    out = settle(p, inp(change=Change(ANNUAL, 2)), OK)
    assert (out.fields["plan_id"], out.fields["quantity"], out.fields["billing_anchor"]) == ("plan_year", 2, utc(2026, 2, 28, 9))
    assert out.fields["next_action_at"] == utc(2027, 2, 28, 9)
    assert "subscription.updated" in out.events
    # Without the change, the same renewal bills the current plan.
    assert [(x.quantity, x.amount) for x in plan_due(inp(), work).invoice.lines] == [(3, 6000)]


def test_a_retention_discount_is_its_own_line_on_each_renewal_until_its_periods_are_used():
    sub = facts(discount_percent=25, discount_periods=1, quantity=3)
    work = Work(RENEW, utc(2026, 2, 28, 9))
    p = plan_due(inp(subscription=replace(sub, quantity=1), price=replace(PRICE, unit_amount=1999)), work)
    # 19.99 × 25 % = 4.9975 → 5.00 (half up, once).
    assert [(x.kind, x.amount) for x in p.invoice.lines] == [("charge", 1999), ("discount", -500)]
    assert p.invoice.total == 1499
    out = settle(p, inp(subscription=replace(sub, quantity=1)), OK)
    assert (out.fields["discount_periods_left"], out.fields["discount_percent"]) == (0, 0)
    # A trial's conversion takes no retention discount.
    trial = replace(sub, status="trialing", trial_end=utc(2026, 2, 28, 9))
    conv = plan_due(inp(subscription=trial), Work(TRIAL_END, utc(2026, 2, 28, 9)))
    assert [x.kind for x in conv.invoice.lines] == ["charge"]


@given(st.integers(0, 100), st.integers(0, 10**7))
@settings(max_examples=200, deadline=None)
def test_a_discount_never_makes_an_invoice_negative(percent, unit):
    sub = facts(discount_percent=percent, discount_periods=3)
    p = plan_due(inp(subscription=sub, price=replace(PRICE, unit_amount=unit)), Work(RENEW, utc(2026, 2, 28, 9)))
    assert 0 <= p.invoice.total <= 3 * unit


# -- pay by invoice -------------------------------------------------------------------------


def sent(**kw) -> SubscriptionFacts:
    return facts(send_invoice=True, days_until_due=14, **kw)


def test_a_sent_renewal_is_issued_open_due_later_and_charges_nothing():
    i = inp(subscription=sent(), payment_method_id=None)
    plan = plan_due(i, due_work(i.subscription, PRICE, invoice_open=False))
    assert plan.charge is None and plan.invoice.total == 6000
    assert plan.due_at == utc(2026, 2, 28, 9) + timedelta(days=14)
    out = settle(plan, i, None)
    assert (out.invoice_status, out.paid_now, out.payment, out.status_change) == ("open", 0, None, None)
    assert out.events == ("invoice.issued", "subscription.renewed")
    # Next: the due date, not the period end.
    assert out.fields["next_action_at"] == plan.due_at and out.fields["status"] == "active"


def test_a_sent_trial_converts_without_a_card():
    trial = sent(status="trialing", trial_end=utc(2026, 2, 28, 9), current_period_end=utc(2026, 2, 28, 9))
    i = inp(subscription=trial, payment_method_id=None)
    plan = plan_due(i, Work(TRIAL_END, utc(2026, 2, 28, 9)))
    out = settle(plan, i, None)
    assert plan.charge is None and out.invoice_status == "open"
    assert out.status_change == ("trialing", "active", "trial_converted")


def test_a_sent_invoice_past_its_due_date_dunning_steps_then_expiry():
    due = utc(2026, 2, 14, 9)
    s = sent(due_at=due)
    steps = []
    for _ in range(5):
        work = due_work(s, PRICE, invoice_open=True)
        assert work.kind == COLLECT
        i = inp(subscription=s, payment_method_id=None, open_invoice=OpenInvoice("in_1", 6000))
        plan = plan_due(i, work)
        assert plan.charge is None
        out = settle(plan, i, None)
        steps.append((work.due, out.status_change[2] if out.status_change else None, "invoice.overdue" in out.events))
        s = replace(s, **{k: v for k, v in out.fields.items() if k in ("status", "payment_attempts", "status_changed_at")})
        if s.status == "expired":
            break
    assert steps == [(due, "invoice_overdue", True), (due + timedelta(days=1), None, True),
                     (due + timedelta(days=3), None, True), (due + timedelta(days=5), "retries_exhausted", True)]


def test_a_sent_purchase_with_credit_covering_it_is_paid_and_has_no_due_date():
    plan = plan_purchase(subscription_id="sub_1", quantity=1, price=PRICE, timezone="UTC", at=utc(2026, 1, 5),
                         payment_method_id=None, credits=(Credit(BALANCE, 5000),), send_invoice=True, days_until_due=30)
    assert plan.invoice.total == 0 and plan.due_at is None and plan.charge is None
    out = settle(plan, inp(subscription=sent()), None)
    assert out.invoice_status == "paid"


def test_a_sent_plan_keeps_its_due_date_through_storage():
    i = inp(subscription=sent(), payment_method_id=None)
    plan = plan_due(i, due_work(i.subscription, PRICE, invoice_open=False))
    assert Plan.from_json(plan.to_json()).due_at == plan.due_at
