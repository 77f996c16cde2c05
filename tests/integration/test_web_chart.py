"""Charges and credits per month: the figures grouped in the tenant's zone, and the SVG bars."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

from django.utils import timezone

from prorata.billing.views import monthly_totals
from prorata.web.charts import MonthBar, _nice_ceiling, monthly_bars_svg


def inv(at, subtotal, status="paid"):
    return SimpleNamespace(issued_at=at, subtotal=subtotal, status=status)


def note(at, amount):
    return SimpleNamespace(created_at=at, amount=amount)


def test_months_are_the_tenants_months_and_void_invoices_do_not_count():
    invoices = [
        inv(datetime(2026, 1, 31, 17, tzinfo=UTC), 60000),  # Feb 1, 01:00 in Shanghai
        inv(datetime(2026, 1, 15, tzinfo=UTC), 1000),
        inv(datetime(2026, 1, 20, tzinfo=UTC), 999, status="void"),
        inv(datetime(2026, 3, 1, tzinfo=UTC), 2500),
    ]
    notes = [note(datetime(2026, 2, 3, 11, tzinfo=UTC), 55714)]
    with timezone.override("Asia/Shanghai"):
        assert monthly_totals(invoices, notes) == [
            (date(2026, 1, 1), 1000, 0), (date(2026, 2, 1), 60000, 55714), (date(2026, 3, 1), 2500, 0),
        ]
    with timezone.override("UTC"):
        assert monthly_totals(invoices, notes)[0] == (date(2026, 1, 1), 61000, 0)
    assert len(monthly_totals([inv(datetime(2025, m, 2, tzinfo=UTC), 1) for m in range(1, 13)], [])) == 6


def test_bars_scale_to_a_round_axis():
    assert [_nice_ceiling(v) for v in (0, 1, 7, 60000, 65000, 100001)] == [1, 1, 10, 100000, 100000, 200000]
    svg = monthly_bars_svg(
        [MonthBar("Feb 2026", 65000, 55714)], title="Charges <and> credits", description="d",
        format_amount=lambda v: f"${v / 100:,.2f}", charges_label="Charges", credits_label="Credits",
    )
    assert "<title id=\"chart-title\">Charges &lt;and&gt; credits</title>" in svg
    heights = [float(h) for h in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#0', svg)]
    # Plot height 220 px for an axis up to $1,000.00: 650.00 → 143.0 px, 557.14 → 122.6 px.
    assert heights[:2] == [143.0, 122.6]  # then the two legend swatches
    assert "$1,000.00" in svg
