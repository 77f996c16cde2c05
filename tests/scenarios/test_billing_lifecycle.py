"""Trials, cancellations with credit settlement, dunning and time zones, walked on test clocks."""

from __future__ import annotations

import pytest
from billing_scenario_helpers import (  # noqa: F401 - billing_path is an autouse fixture
    OPERATOR,
    advance,
    billing_path,
    buy,
    credit_notes,
    lines_of,
    make_plan,
    period_invoices,
    refunds,
    statuses,
    tenant_on_clock,
)

from factories import make_card, utc
from prorata.billing.models import CreditApplication, Invoice, Payment
from prorata.subscriptions.services import subscription_cancel
from prorata.tenants.models import PaymentMethod

pytestmark = pytest.mark.django_db


def cancel(sub):
    return subscription_cancel(actor=OPERATOR, subscription_id=sub.pk)


def test_a_trial_with_a_card_converts_at_its_end_and_is_charged():
    clock, tenant = tenant_on_clock(utc(2026, 1, 1, 9))
    plan = make_plan(unit_amount=1250, trial_days=30)
    sub = buy(tenant, plan, 4, trial=True)
    assert Invoice.objects.filter(subscription=sub).count() == 0

    advance(clock, utc(2026, 1, 31, 9))

    sub.refresh_from_db()
    assert sub.status == "active"
    assert (sub.current_period_start, sub.current_period_end) == (utc(2026, 1, 31, 9), utc(2026, 2, 28, 9))
    [invoice] = period_invoices(sub)
    assert lines_of(invoice) == [("charge", 4, 1250, 5000)]
    assert (invoice.total, invoice.amount_paid, invoice.status, invoice.issued_at) == (5000, 5000, "paid", utc(2026, 1, 31, 9))
    assert statuses(sub)[1:] == [("trialing", "active", utc(2026, 1, 31, 9))]

    advance(clock, utc(2026, 3, 31, 9))
    assert [i.period_start for i in period_invoices(sub)] == [utc(2026, 1, 31, 9), utc(2026, 2, 28, 9), utc(2026, 3, 31, 9)]


def test_a_trial_without_a_card_expires_then_is_disabled_and_deleted_on_the_right_days():
    clock, tenant = tenant_on_clock(utc(2026, 1, 1, 9), card=None)
    plan = make_plan(unit_amount=1250, trial_days=30, grace_days=30, disabled_days=90)
    sub = buy(tenant, plan, 2, trial=True)

    advance(clock, utc(2027, 1, 1))

    assert statuses(sub)[1:] == [
        ("trialing", "expired", utc(2026, 1, 31, 9)),
        ("expired", "disabled", utc(2026, 3, 2, 9)),
        ("disabled", "deleted", utc(2026, 5, 31, 9)),
    ]
    sub.refresh_from_db()
    assert (sub.status, sub.next_action_at) == ("deleted", None)
    assert Invoice.objects.filter(tenant=tenant).count() == 0
    assert Payment.objects.filter(tenant=tenant).count() == 0


def test_a_cancelled_trial_with_a_card_expires_and_is_never_charged():
    clock, tenant = tenant_on_clock(utc(2026, 1, 1, 9))
    sub = buy(tenant, make_plan(unit_amount=1250, trial_days=30), 2, trial=True)
    advance(clock, utc(2026, 1, 10))
    cancel(sub)
    advance(clock, utc(2026, 2, 15))
    sub.refresh_from_db()
    assert sub.status == "expired"
    assert Payment.objects.filter(tenant=tenant).count() == 0


def test_cancelling_on_day_10_of_a_30_day_month_credits_exactly_and_pays_the_other_renewal_first():
    clock, tenant = tenant_on_clock(utc(2026, 4, 1))
    big = buy(tenant, make_plan(unit_amount=2999), 1)
    other = buy(tenant, make_plan(unit_amount=1500), 1)
    first_payment = Payment.objects.get(invoice__subscription=big)

    advance(clock, utc(2026, 4, 10, 15))
    _sub, note = cancel(big)
    # 9 of 30 days used: round_half_up(2999 × 21 / 30) = 2099.
    assert (note.amount, note.status, note.settles_on) == (2099, "pending", utc(2026, 5, 1))

    advance(clock, utc(2026, 4, 30, 23))
    note.refresh_from_db()
    assert note.status == "pending"

    advance(clock, utc(2026, 5, 1))

    note.refresh_from_db()
    renewal = period_invoices(other)[1]
    assert lines_of(renewal) == [("charge", 1, 1500, 1500), ("credit_applied", 1, -1500, -1500)]
    assert (renewal.subtotal, renewal.credit_applied, renewal.total, renewal.amount_paid, renewal.status) == (
        1500, 1500, 0, 0, "paid")
    assert renewal.lines.order_by("id").last().description == f"Credit note {note.number} applied"
    assert (note.status, note.applied_amount, note.refunded_amount, note.settled_at) == (
        "settled", 1500, 599, utc(2026, 5, 1))
    [refund] = refunds(tenant)
    assert (refund.amount, refund.payment_id, refund.credit_note_id) == (599, first_payment.pk, note.pk)
    assert list(CreditApplication.objects.filter(credit_note=note).values_list("invoice_id", "amount")) == [(renewal.pk, 1500)]
    assert Payment.objects.filter(invoice=renewal).count() == 0
    assert len(period_invoices(big)) == 1


def test_a_declined_renewal_goes_past_due_retried_expired_disabled_deleted_on_the_right_days():
    clock, tenant = tenant_on_clock(utc(2026, 1, 1, 12))
    sub = buy(tenant, make_plan(unit_amount=999, grace_days=30, disabled_days=90), 5)
    PaymentMethod.objects.filter(tenant=tenant).update(is_default=False)
    make_card(tenant, "4000000000000341", default=True)

    advance(clock, utc(2026, 12, 31))

    renewal = period_invoices(sub)[1]
    assert lines_of(renewal) == [("charge", 5, 999, 4995)]
    assert renewal.status == "open"
    attempts = list(Payment.objects.filter(invoice=renewal).order_by("attempt").values_list("attempt", "status", "created_at", "failure_code"))
    assert attempts == [
        (1, "failed", utc(2026, 2, 1, 12), "card_declined"),
        (2, "failed", utc(2026, 2, 2, 12), "card_declined"),
        (3, "failed", utc(2026, 2, 4, 12), "card_declined"),
        (4, "failed", utc(2026, 2, 6, 12), "card_declined"),
    ]
    assert statuses(sub)[1:] == [
        ("active", "past_due", utc(2026, 2, 1, 12)),
        ("past_due", "expired", utc(2026, 2, 6, 12)),
        ("expired", "disabled", utc(2026, 3, 8, 12)),
        ("disabled", "deleted", utc(2026, 6, 6, 12)),
    ]
    assert len(period_invoices(sub)) == 2


def test_a_retry_that_succeeds_makes_the_subscription_active_again():
    clock, tenant = tenant_on_clock(utc(2026, 1, 1, 12))
    sub = buy(tenant, make_plan(unit_amount=999), 1)
    good = PaymentMethod.objects.get(tenant=tenant)
    PaymentMethod.objects.filter(tenant=tenant).update(is_default=False)
    bad = make_card(tenant, "4000000000000341", default=True)
    advance(clock, utc(2026, 2, 1, 18))
    bad.is_default = False
    bad.save()
    PaymentMethod.objects.filter(pk=good.pk).update(is_default=True)
    advance(clock, utc(2026, 2, 3))
    sub.refresh_from_db()
    assert statuses(sub)[1:] == [("active", "past_due", utc(2026, 2, 1, 12)), ("past_due", "active", utc(2026, 2, 2, 12))]
    assert period_invoices(sub)[1].status == "paid"


def test_a_shanghai_tenant_cancelling_just_after_local_midnight_counts_its_local_day():
    # Bought at noon on Apr 1 in Shanghai (04:00 UTC); cancelled at 00:30 on Apr 10 local time,
    # which is still Apr 9 in UTC: 9 local days used, not 8.
    clock, tenant = tenant_on_clock(utc(2026, 4, 1, 4), timezone="Asia/Shanghai")
    sub = buy(tenant, make_plan(unit_amount=2999), 1)
    advance(clock, utc(2026, 4, 9, 16, 30))
    _sub, note = cancel(sub)
    assert note.amount == 2099
    assert [n.amount for n in credit_notes(tenant)] == [2099]
