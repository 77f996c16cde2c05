"""The cancellation report, checked against the scenario's own events."""

from __future__ import annotations

import csv
import io

import pytest
from billing_scenario_helpers import OPERATOR, advance, buy, tenant_on_clock

from conftest import ApiClient
from factories import make_api_key, make_plan, make_product, make_user, utc
from prorata.licenses.services import license_assign, license_remove
from prorata.subscriptions.services import (
    cancel_attempt_record,
    retention_offer_accept,
    retention_offer_decline,
    retention_offer_show,
    subscription_cancel,
)
from prorata.support.services import callback_request_create

pytestmark = pytest.mark.django_db


def _users(sub, tenant, n):
    users = [make_user(tenant) for _ in range(n)]
    for u in users:
        license_assign(actor=OPERATOR, subscription_id=sub.pk, user_id=u.pk)
    return users


def test_the_report_counts_what_the_scenario_did():
    clock, tenant = tenant_on_clock(utc(2026, 3, 1))
    product = make_product()
    small = make_plan(product, unit_amount=1000, max_assigned_for_online_cancel=1, retention_offer="discount",
                      retention_percent=50, retention_periods=2)
    annual = make_plan(product, unit_amount=12000, interval="year")
    a = buy(tenant, small, 1)      # cancelled online in March, offer declined
    b = buy(tenant, small, 3)      # blocked, users removed, cancelled online in April
    c = buy(tenant, small, 12)     # blocked, callback, cancelled on its behalf in April
    d = buy(tenant, small, 2)      # blocked, gave up; offer accepted
    buy(tenant, annual, 30)        # stays
    b_users = _users(b, tenant, 3)
    _users(c, tenant, 2)
    _users(d, tenant, 2)

    advance(clock, utc(2026, 3, 10))
    offer = retention_offer_show(actor=OPERATOR, subscription_id=a.pk)
    retention_offer_decline(actor=OPERATOR, subscription_id=a.pk, offer_id=offer.pk)
    subscription_cancel(actor=OPERATOR, subscription_id=a.pk, reason="too_expensive")
    for sub, assigned in ((b, 3), (c, 2), (d, 2)):
        b_sub = type(sub).objects.select_related("tenant").get(pk=sub.pk)
        cancel_attempt_record(sub=b_sub, code="too_many_licenses", assigned=assigned)
    offer = retention_offer_show(actor=OPERATOR, subscription_id=d.pk)
    retention_offer_accept(actor=OPERATOR, subscription_id=d.pk, offer_id=offer.pk)

    advance(clock, utc(2026, 4, 5))  # renewals on April 1: d at 50 % off
    for u in b_users[1:]:
        license_remove(actor=OPERATOR, subscription_id=b.pk, user_id=u.pk)
    subscription_cancel(actor=OPERATOR, subscription_id=b.pk, reason="switching_product")
    request = callback_request_create(actor=OPERATOR, subscription_id=c.pk, phone="+14155550100", language="en")
    subscription_cancel(actor=OPERATOR, subscription_id=c.pk, reason="", callback_request_id=request.pk)
    advance(clock, utc(2026, 5, 5))  # d's second discounted renewal

    _key, secret = make_api_key(None)
    api = ApiClient(secret)
    response = api.get("/reports/cancellations", {"first_month": "2026-03", "last_month": "2026-05"})
    assert response.status_code == 200, response.content
    r = response.json()
    assert r["months"] == ["2026-03", "2026-04", "2026-05"]
    assert r["cancellations"] == 3
    assert r["by_reason"] == {"too_expensive": 1, "switching_product": 1, "none": 1}
    assert r["by_plan"] == {small.pk: 3}
    assert r["by_seats"] == {"1": 1, "2-9": 1, "10-24": 1, "25+": 0}
    assert r["by_month"] == {"2026-03": 1, "2026-04": 2, "2026-05": 0}
    assert (r["assisted"], r["online"]) == (1, 2)
    assert r["blocked"] == {"total": 3, "users_removed": 1, "callback": 1, "gave_up": 1}
    # d: 2 seats × 10.00 at 50 % off on April 1 and May 1.
    assert r["offers"] == {"shown": 2, "accepted": 1, "declined": 1, "discount_given": 2 * 1000,
                           "retained_mrr": 2 * 1000}
    # MRR at each month's start: March 1 all five (1+3+12+2 seats × 10.00, 30 × 120.00 / 12);
    # April 1: a gone; May 1: b and c gone too. Churned: the value of what was cancelled that month.
    assert r["mrr"] == [
        {"month": "2026-03", "mrr": 18000 + 30000, "churned_mrr": 1000, "cancellations": 1, "churn_rate_bp": 208},
        {"month": "2026-04", "mrr": 17000 + 30000, "churned_mrr": 15000, "cancellations": 2, "churn_rate_bp": 3191},
        {"month": "2026-05", "mrr": 2000 + 30000, "churned_mrr": 0, "cancellations": 0, "churn_rate_bp": 0},
    ]

    exported = api.get("/reports/cancellations", {"first_month": "2026-03", "last_month": "2026-05", "format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[1] == ["month", "2026-03", "1", "48000", "1000", "208"]
    assert ["blocked", "gave_up", "1", "", "", ""] in rows

    bad = api.get("/reports/cancellations", {"first_month": "March"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_month")
    tenant_key = ApiClient(make_api_key(tenant)[1])
    assert tenant_key.get("/reports/cancellations").status_code == 403
