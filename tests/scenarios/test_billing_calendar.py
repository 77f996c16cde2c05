"""Calendar walks on test clocks: month ends, leap years, every invoice line to the cent."""

from __future__ import annotations

import pytest
from billing_scenario_helpers import (  # noqa: F401 - billing_path is an autouse fixture
    advance,
    billing_path,
    buy,
    lines_of,
    make_plan,
    period_invoices,
    tenant_on_clock,
)

from factories import utc
from prorata.core.errors import Conflict

pytestmark = pytest.mark.django_db


def test_monthly_bought_on_jan_31_of_a_leap_year_bills_feb_29_mar_31_apr_30_may_31():
    clock, tenant = tenant_on_clock(utc(2024, 1, 31, 10))
    plan = make_plan(unit_amount=1999, interval="month")
    sub = buy(tenant, plan, 3)

    advance(clock, utc(2024, 5, 31, 10))

    invoices = period_invoices(sub)
    assert [(i.period_start, i.period_end, i.issued_at) for i in invoices] == [
        (utc(2024, 1, 31, 10), utc(2024, 2, 29, 10), utc(2024, 1, 31, 10)),
        (utc(2024, 2, 29, 10), utc(2024, 3, 31, 10), utc(2024, 2, 29, 10)),
        (utc(2024, 3, 31, 10), utc(2024, 4, 30, 10), utc(2024, 3, 31, 10)),
        (utc(2024, 4, 30, 10), utc(2024, 5, 31, 10), utc(2024, 4, 30, 10)),
        (utc(2024, 5, 31, 10), utc(2024, 6, 30, 10), utc(2024, 5, 31, 10)),
    ]
    for invoice in invoices:
        assert lines_of(invoice) == [("charge", 3, 1999, 5997)]
        assert (invoice.subtotal, invoice.credit_applied, invoice.total, invoice.amount_paid, invoice.status) == (
            5997, 0, 5997, 5997, "paid")
    assert [i.number for i in invoices] == sorted(i.number for i in invoices)
    assert invoices[1].lines.get().description == f"{plan.product.name} × 3, 2024-02-29 – 2024-03-31"
    sub.refresh_from_db()
    assert (sub.status, sub.current_period_start, sub.next_action_at) == ("active", utc(2024, 5, 31, 10), utc(2024, 6, 30, 10))


def test_annual_bought_on_feb_29_renews_on_feb_28_and_on_feb_29_four_years_later():
    clock, tenant = tenant_on_clock(utc(2024, 2, 29, 0))
    plan = make_plan(unit_amount=120000, interval="year")
    sub = buy(tenant, plan, 2)

    advance(clock, utc(2028, 2, 29, 0))

    invoices = period_invoices(sub)
    assert [i.period_start for i in invoices] == [
        utc(2024, 2, 29), utc(2025, 2, 28), utc(2026, 2, 28), utc(2027, 2, 28), utc(2028, 2, 29)
    ]
    assert [i.period_end for i in invoices] == [
        utc(2025, 2, 28), utc(2026, 2, 28), utc(2027, 2, 28), utc(2028, 2, 29), utc(2029, 2, 28)
    ]
    assert all(lines_of(i) == [("charge", 2, 120000, 240000)] for i in invoices)


def test_a_year_ahead_bills_twelve_monthly_renewals_each_dated_at_its_boundary():
    clock, tenant = tenant_on_clock(utc(2026, 1, 15, 8))
    sub = buy(tenant, make_plan(unit_amount=500), 1)

    advance(clock, utc(2027, 1, 15, 8))

    renewals = period_invoices(sub)[1:]
    assert len(renewals) == 12
    assert [i.issued_at for i in renewals] == [utc(2026 + (m // 12), m % 12 + 1, 15, 8) for m in range(1, 13)]


def test_advancing_again_to_the_same_time_bills_nothing_more():
    clock, tenant = tenant_on_clock(utc(2026, 3, 1))
    sub = buy(tenant, make_plan(unit_amount=700), 1)
    advance(clock, utc(2026, 6, 1))
    advance(clock, utc(2026, 6, 1))
    assert len(period_invoices(sub)) == 4


def test_going_backwards_is_refused_and_changes_nothing():
    clock, tenant = tenant_on_clock(utc(2026, 3, 1))
    sub = buy(tenant, make_plan(unit_amount=700), 1)
    advance(clock, utc(2026, 4, 1))
    with pytest.raises(Conflict) as exc:
        advance(clock, utc(2026, 3, 15))
    assert exc.value.code == "clock_cannot_go_backwards"
    clock.refresh_from_db()
    assert clock.frozen_time == utc(2026, 4, 1)
    assert len(period_invoices(sub)) == 2
