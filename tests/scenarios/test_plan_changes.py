"""Plan changes on test clocks, every invoice line to the cent; license assignments never move."""

from __future__ import annotations

import pytest
from billing_scenario_helpers import (  # noqa: F401 - billing_path is an autouse fixture
    OPERATOR,
    advance,
    billing_path,
    buy,
    credit_notes,
    lines_of,
    period_invoices,
    tenant_on_clock,
)

from factories import make_plan, make_product, make_user, utc
from prorata.billing.models import Invoice, Payment
from prorata.core.errors import Conflict, InvalidInput, PaymentFailed
from prorata.licenses.models import License
from prorata.licenses.services import license_assign
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import (
    subscription_cancel,
    subscription_cancel_plan_change,
    subscription_change_plan,
    subscription_plan_change_preview,
)

pytestmark = pytest.mark.django_db


def _family():
    basic = make_product(code="basic", name="Business Basic", family="office", tier=1)
    e3 = make_product(code="e3", name="Office 365 E3", family="office", tier=3)
    return (make_plan(basic, unit_amount=1999), make_plan(e3, unit_amount=2999),
            make_plan(basic, unit_amount=19990, interval="year"))


def _assigned(sub, tenant, n):
    for _ in range(n):
        license_assign(actor=OPERATOR, subscription_id=sub.pk, user_id=make_user(tenant).pk)
    return _licenses(sub)


def _licenses(sub):
    return sorted(License.objects.filter(subscription_id=sub.pk).values_list("id", "user_id"))


def test_an_upgrade_on_day_10_of_a_30_day_month_credits_the_old_plan_and_charges_the_new_on_one_invoice():
    clock, tenant = tenant_on_clock(utc(2026, 4, 1, 9))
    basic, e3, _annual = _family()
    sub = buy(tenant, basic, 3)
    held = _assigned(sub, tenant, 2)
    advance(clock, utc(2026, 4, 10, 9))

    preview = subscription_plan_change_preview(actor=OPERATOR, subscription_id=sub.pk, plan_id=e3.pk, at="now")
    # 9 of 30 days used, 21 left: credit 3 × 19.99 × 21/30 = 41.979 → 41.98; charge 3 × 29.99 × 21/30 = 62.979 → 62.98.
    assert [(x["kind"], x["quantity"], x["unit_amount"], x["amount"]) for x in preview.lines] == [
        ("unused_time", 3, 1999, -4198), ("proration", 3, 2999, 6298)]
    assert (preview.amount, preview.currency) == (2100, "USD")
    assert not Invoice.objects.filter(subscription=sub, kind="change").exists()  # a preview changes nothing

    subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=e3.pk, at="now")

    invoice = Invoice.objects.get(subscription=sub, kind="change")
    assert lines_of(invoice) == [("unused_time", 3, 1999, -4198), ("proration", 3, 2999, 6298)]
    assert (invoice.subtotal, invoice.total, invoice.amount_paid, invoice.status) == (2100, 2100, 2100, "paid")
    assert (invoice.period_start, invoice.period_end) == (utc(2026, 4, 10, 9), utc(2026, 5, 1, 9))
    descriptions = [x.description for x in invoice.lines.order_by("id")]
    assert descriptions == ["Unused time on Business Basic × 3, 2026-04-10 – 2026-05-01",
                            "Office 365 E3 × 3, 2026-04-10 – 2026-05-01"]
    assert Payment.objects.filter(invoice=invoice, status="succeeded", amount=2100).count() == 1
    sub.refresh_from_db()
    assert (sub.plan_id, sub.quantity, sub.current_period_start) == (e3.pk, 3, utc(2026, 4, 1, 9))
    assert _licenses(sub) == held

    advance(clock, utc(2026, 5, 1, 9))
    renewal = period_invoices(sub)[-1]
    assert lines_of(renewal) == [("charge", 3, 2999, 8997)]
    assert renewal.lines.get().description == "Office 365 E3 × 3, 2026-05-01 – 2026-06-01"
    assert _licenses(sub) == held


def test_credits_after_an_upgrade_follow_the_new_plan():
    clock, tenant = tenant_on_clock(utc(2026, 4, 1, 9))
    basic, e3, _annual = _family()
    sub = buy(tenant, basic, 3)
    advance(clock, utc(2026, 4, 10, 9))
    subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=e3.pk, at="now")
    advance(clock, utc(2026, 4, 16, 9))

    _sub, note = subscription_cancel(actor=OPERATOR, subscription_id=sub.pk, reason="too_expensive")

    # 15 of 30 days used: 3 × 29.99 × 15/30 = 44.985 → 44.99 of the new plan (paid for from day 10 on).
    assert note.amount == 4499


def test_a_downgrade_at_period_end_is_shown_cancellable_and_billed_at_the_boundary():
    clock, tenant = tenant_on_clock(utc(2026, 4, 1, 9))
    basic, e3, _annual = _family()
    sub = buy(tenant, e3, 4)
    held = _assigned(sub, tenant, 3)
    advance(clock, utc(2026, 4, 12, 9))

    with pytest.raises(Conflict) as now:
        subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=basic.pk, at="now")
    assert now.value.code == "plan_change_at_period_end"
    with pytest.raises(Conflict) as fewer:
        subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=basic.pk, quantity=1, at="period_end")
    assert (fewer.value.code, fewer.value.details["users_to_remove"]) == ("licenses_in_use", 2)

    preview = subscription_plan_change_preview(actor=OPERATOR, subscription_id=sub.pk, plan_id=basic.pk, quantity=3,
                                               at="period_end")
    assert (preview.amount, preview.next_invoice_amount, preview.effective_at) == (0, 3 * 1999, utc(2026, 5, 1, 9))
    subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=basic.pk, quantity=3, at="period_end")
    sub.refresh_from_db()
    assert (sub.plan_id, sub.scheduled_plan_id, sub.scheduled_quantity) == (e3.pk, basic.pk, 3)
    assert not Invoice.objects.filter(subscription=sub).exclude(kind="period").exists()

    # Withdrawn, then scheduled again: only the last one counts.
    subscription_cancel_plan_change(actor=OPERATOR, subscription_id=sub.pk)
    sub.refresh_from_db()
    assert sub.scheduled_plan_id is None
    subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=basic.pk, quantity=3, at="period_end")
    # Four seats until the boundary, three after it, three assigned: a fourth user would not fit.
    with pytest.raises(Conflict) as full:
        license_assign(actor=OPERATOR, subscription_id=sub.pk, user_id=make_user(tenant).pk)
    assert (full.value.code, full.value.details["scheduled_quantity"]) == ("no_licenses_available", 3)

    advance(clock, utc(2026, 6, 1, 9))
    invoices = period_invoices(sub)
    assert [lines_of(i) for i in invoices] == [
        [("charge", 4, 2999, 11996)], [("charge", 3, 1999, 5997)], [("charge", 3, 1999, 5997)]]
    assert invoices[1].lines.get().description == "Business Basic × 3, 2026-05-01 – 2026-06-01"
    sub.refresh_from_db()
    assert (sub.plan_id, sub.quantity, sub.scheduled_plan_id, sub.status) == (basic.pk, 3, None, "active")
    assert _licenses(sub) == held


def test_an_annual_switch_at_period_end_starts_a_year_from_the_boundary():
    clock, tenant = tenant_on_clock(utc(2026, 1, 31, 10))
    basic, _e3, annual = _family()
    sub = buy(tenant, basic, 2)
    held = _assigned(sub, tenant, 2)
    advance(clock, utc(2026, 2, 20, 10))
    with pytest.raises(Conflict) as now:
        subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=annual.pk, at="now")
    assert now.value.code == "plan_change_at_period_end"
    subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=annual.pk, at="period_end")

    advance(clock, utc(2027, 3, 1, 10))

    invoices = period_invoices(sub)
    assert [(i.period_start, i.period_end, lines_of(i)) for i in invoices] == [
        (utc(2026, 1, 31, 10), utc(2026, 2, 28, 10), [("charge", 2, 1999, 3998)]),
        (utc(2026, 2, 28, 10), utc(2027, 2, 28, 10), [("charge", 2, 19990, 39980)]),
        (utc(2027, 2, 28, 10), utc(2028, 2, 28, 10), [("charge", 2, 19990, 39980)]),
    ]
    sub.refresh_from_db()
    assert (sub.plan_id, sub.billing_anchor, sub.next_action_at) == (annual.pk, utc(2026, 2, 28, 10), utc(2028, 2, 28, 10))
    assert _licenses(sub) == held


def test_plan_limits_and_change_paths_are_refused_with_codes_and_change_nothing():
    clock, tenant = tenant_on_clock(utc(2026, 4, 1, 9))
    basic, e3, _annual = _family()
    other = make_plan(make_product(code="other", family="crm"), unit_amount=5000)
    capped = make_plan(e3.product, unit_amount=3999, min_seats=5, max_seats=10)
    sub = buy(tenant, basic, 3)
    with pytest.raises(Conflict) as path:
        subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=other.pk, at="now")
    assert path.value.code == "plan_change_not_allowed"
    with pytest.raises(InvalidInput) as low:
        subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=capped.pk, at="now")
    assert (low.value.code, low.value.details["min_seats"]) == ("quantity_below_plan_minimum", 5)
    with pytest.raises(InvalidInput) as high:
        subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=capped.pk, quantity=11, at="now")
    assert high.value.code == "quantity_above_plan_maximum"
    with pytest.raises(InvalidInput) as buy_low:
        buy(tenant, capped, 4)
    assert buy_low.value.code == "quantity_below_plan_minimum"
    with pytest.raises(InvalidInput) as when:
        subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=e3.pk, at="tomorrow")
    assert when.value.code == "invalid_change_at"
    sub.refresh_from_db()
    assert (sub.plan_id, sub.quantity, sub.scheduled_plan_id) == (basic.pk, 3, None)
    assert list(Invoice.objects.filter(subscription=sub).values_list("kind", flat=True)) == ["period"]


def test_a_declined_upgrade_changes_nothing():
    clock, tenant = tenant_on_clock(utc(2026, 4, 1, 9))
    basic, e3, _annual = _family()
    sub = buy(tenant, basic, 3)
    from factories import make_card
    from prorata.tenants.models import PaymentMethod

    PaymentMethod.objects.filter(tenant=tenant).update(is_default=False)
    make_card(tenant, "4000000000000341", default=True)
    advance(clock, utc(2026, 4, 10, 9))
    with pytest.raises(PaymentFailed) as refused:
        subscription_change_plan(actor=OPERATOR, subscription_id=sub.pk, plan_id=e3.pk, at="now")
    assert refused.value.code == "card_declined"
    sub.refresh_from_db()
    assert sub.plan_id == basic.pk
    assert not Invoice.objects.filter(subscription=sub, kind="change").exists()
    assert credit_notes(tenant) == []
    assert Subscription.objects.get(pk=sub.pk).quantity == 3
