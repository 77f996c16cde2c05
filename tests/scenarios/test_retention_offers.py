"""Retention offers on a test clock: accepted (three discounted invoices, then full price) and declined."""

from __future__ import annotations

import pytest
from billing_scenario_helpers import (  # noqa: F401 - billing_path is an autouse fixture
    OPERATOR,
    advance,
    billing_path,
    buy,
    lines_of,
    period_invoices,
    tenant_on_clock,
)

from factories import make_plan, make_product, make_user, utc
from prorata.core.errors import Conflict
from prorata.licenses.models import License
from prorata.licenses.services import license_assign
from prorata.subscriptions.models import RetentionOffer
from prorata.subscriptions.services import (
    retention_offer_accept,
    retention_offer_decline,
    retention_offer_show,
    subscription_cancel,
)

pytestmark = pytest.mark.django_db


def _plan(**kw):
    return make_plan(make_product(), unit_amount=2999, retention_offer="discount", retention_percent=25,
                     retention_periods=3, **kw)


def test_an_accepted_offer_discounts_the_next_three_invoices_then_full_price():
    clock, tenant = tenant_on_clock(utc(2026, 3, 15, 8))
    sub = buy(tenant, _plan(), 3)
    license_assign(actor=OPERATOR, subscription_id=sub.pk, user_id=make_user(tenant).pk)
    held = list(License.objects.filter(subscription=sub).values_list("id", "user_id"))
    advance(clock, utc(2026, 3, 20, 8))

    offer = retention_offer_show(actor=OPERATOR, subscription_id=sub.pk)
    assert (offer.kind, offer.percent, offer.periods, offer.outcome) == ("discount", 25, 3, "shown")
    retention_offer_accept(actor=OPERATOR, subscription_id=sub.pk, offer_id=offer.pk)

    advance(clock, utc(2026, 7, 16, 8))
    invoices = period_invoices(sub)
    # 3 × 29.99 = 89.97; 25 % off = 22.4925 → 22.49; 67.48 to pay.
    discounted = [("charge", 3, 2999, 8997), ("discount", 1, -2249, -2249)]
    assert [lines_of(i) for i in invoices] == [
        [("charge", 3, 2999, 8997)], discounted, discounted, discounted, [("charge", 3, 2999, 8997)]]
    assert [i.total for i in invoices] == [8997, 6748, 6748, 6748, 8997]
    assert invoices[1].lines.order_by("id")[1].description == "Retention offer: 25% off"
    offer.refresh_from_db()
    assert offer.outcome == "accepted"
    sub.refresh_from_db()
    assert (sub.discount_percent, sub.discount_periods_left) == (0, 0)
    assert list(License.objects.filter(subscription=sub).values_list("id", "user_id")) == held
    # Once a year: no second offer.
    assert retention_offer_show(actor=OPERATOR, subscription_id=sub.pk) is None


def test_a_declined_offer_lets_the_cancel_go_on_and_is_not_shown_again_within_a_year():
    clock, tenant = tenant_on_clock(utc(2026, 3, 15, 8))
    sub = buy(tenant, _plan(), 2)
    advance(clock, utc(2026, 3, 20, 8))
    offer = retention_offer_show(actor=OPERATOR, subscription_id=sub.pk)
    # Shown again until answered, the same offer.
    assert retention_offer_show(actor=OPERATOR, subscription_id=sub.pk).pk == offer.pk
    retention_offer_decline(actor=OPERATOR, subscription_id=sub.pk, offer_id=offer.pk)
    with pytest.raises(Conflict) as twice:
        retention_offer_accept(actor=OPERATOR, subscription_id=sub.pk, offer_id=offer.pk)
    assert twice.value.code == "retention_offer_decided"
    assert retention_offer_show(actor=OPERATOR, subscription_id=sub.pk) is None

    _sub, note = subscription_cancel(actor=OPERATOR, subscription_id=sub.pk, reason="too_expensive")
    # 5 of 31 days used: 2 × 29.99 × 26/31 = 50.305… → 50.31.
    assert note.amount == 5031
    assert list(RetentionOffer.objects.filter(subscription=sub).values_list("outcome", flat=True)) == ["declined"]


def test_a_move_offer_schedules_the_cheaper_plan_at_the_period_end():
    clock, tenant = tenant_on_clock(utc(2026, 3, 15, 8))
    product = make_product()
    cheap = make_plan(product, unit_amount=999)
    plan = make_plan(product, unit_amount=2999, retention_offer="move", retention_plan=cheap)
    sub = buy(tenant, plan, 2)
    offer = retention_offer_show(actor=OPERATOR, subscription_id=sub.pk)
    assert (offer.kind, offer.move_plan_id) == ("move", cheap.pk)
    retention_offer_accept(actor=OPERATOR, subscription_id=sub.pk, offer_id=offer.pk)
    advance(clock, utc(2026, 4, 15, 8))
    assert [lines_of(i) for i in period_invoices(sub)] == [[("charge", 2, 2999, 5998)], [("charge", 2, 999, 1998)]]
