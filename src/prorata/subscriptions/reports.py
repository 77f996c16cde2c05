"""The vendor's cancellation report: who cancelled, why, on which plan, with how many seats,
online or assisted; the blocked decisions and how they ended; the retention offers and what
they saved; MRR and churn per month. Reads only (operators and the system).

Every figure is counted from rows the product already keeps — cancelled subscriptions, the
blocked decisions shown (CancelAttempt), callback requests, retention offers, invoice lines —
so a scenario can check the report against its own events.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prorata.core.actor import Actor
from prorata.core.clock import system_clock
from prorata.core.errors import Forbidden, InvalidInput
from prorata.core.money import round_half_up

from .models import CancelAttempt, RetentionOffer, Subscription

SEAT_BUCKETS = ((1, 1, "1"), (2, 9, "2-9"), (10, 24, "10-24"), (25, None, "25+"))


def seat_bucket(quantity: int) -> str:
    for low, high, label in SEAT_BUCKETS:
        if quantity >= low and (high is None or quantity <= high):
            return label
    return "1"


def valid_month(value: str | None) -> str | None:
    """YYYY-MM, or `invalid_month` (400)."""
    if value is None or value == "":
        return None
    if not (len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit()
            and 1 <= int(value[5:]) <= 12 and int(value[:4]) >= 1970):
        raise InvalidInput("invalid_month", value=value, details={"value": value})
    return value


def _month(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


def _month_starts(first: str, last: str) -> list[datetime]:
    y, m = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(datetime(y, m, 1, tzinfo=UTC))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass
class CancellationReport:
    currency: str
    months: list[str]
    cancellations: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    by_plan: dict[str, int] = field(default_factory=dict)
    by_seats: dict[str, int] = field(default_factory=dict)
    by_month: dict[str, int] = field(default_factory=dict)
    assisted: int = 0
    online: int = 0
    blocked: dict[str, int] = field(default_factory=dict)
    offers: dict[str, int] = field(default_factory=dict)
    mrr: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency, "months": self.months, "cancellations": self.cancellations,
            "by_reason": self.by_reason, "by_plan": self.by_plan, "by_seats": self.by_seats,
            "by_month": self.by_month, "assisted": self.assisted, "online": self.online,
            "blocked": self.blocked, "offers": self.offers, "mrr": self.mrr,
        }


def _monthly_value(amount: int, start: datetime, end: datetime) -> int:
    """A period's charge as a monthly amount: a year's charge is twelve months' worth."""
    return round_half_up(amount, 12) if (end - start).days > 40 else amount


def cancellations_report(*, actor: Actor, currency: str = "USD", first_month: str | None = None,
                         last_month: str | None = None) -> CancellationReport:
    """The report over [first_month, last_month] (YYYY-MM, UTC), in one currency."""
    from prorata.billing.models import InvoiceLine
    from prorata.support.models import CallbackRequest

    if not (actor.is_staff or actor.kind == "system"):
        raise Forbidden("forbidden")
    cancelled = list(Subscription.objects.filter(canceled_at__isnull=False, plan__currency=currency)
                     .values_list("pk", "canceled_at", "cancel_reason", "plan_id", "quantity", "cancel_assisted"))
    charges = list(InvoiceLine.objects.filter(kind="charge", invoice__kind="period", invoice__currency=currency)
                   .values_list("invoice__subscription_id", "amount", "period_start", "period_end"))
    seen = [c[1] for c in cancelled] + [c[2] for c in charges]
    if first_month is None:
        first_month = _month(min(seen)) if seen else _month(system_clock.now())
    if last_month is None:
        last_month = _month(max(seen)) if seen else first_month
    if last_month < first_month:
        raise InvalidInput("invalid_month", value=last_month, details={"first_month": first_month, "last_month": last_month})
    starts = _month_starts(first_month, last_month)[:240]
    months = [_month(s) for s in starts]
    report = CancellationReport(currency=currency, months=months)
    inside = [c for c in cancelled if first_month <= _month(c[1]) <= last_month]
    report.cancellations = len(inside)
    report.by_reason = dict(Counter(c[2] or "none" for c in inside))
    report.by_plan = dict(Counter(c[3] for c in inside))
    report.by_seats = {label: 0 for _l, _h, label in SEAT_BUCKETS} | dict(Counter(seat_bucket(c[4]) for c in inside))
    report.by_month = {m: 0 for m in months} | dict(Counter(_month(c[1]) for c in inside))
    report.assisted = sum(1 for c in inside if c[5])
    report.online = report.cancellations - report.assisted

    # Blocked decisions and how they ended.
    cancel_of = {c[0]: c for c in cancelled}
    callbacks: dict[str, list[datetime]] = {}
    for sid, at in CallbackRequest.objects.values_list("subscription_id", "created_at"):
        callbacks.setdefault(sid, []).append(at)
    endings: Counter[str] = Counter()
    attempts = [a for a in CancelAttempt.objects.values_list("subscription_id", "at")
                if first_month <= _month(a[1]) <= last_month]
    for sid, at in attempts:
        c = cancel_of.get(sid)
        if any(t >= at for t in callbacks.get(sid, [])) or (c is not None and c[5] and c[1] >= at):
            endings["callback"] += 1
        elif c is not None and c[1] >= at:
            endings["users_removed"] += 1
        else:
            endings["gave_up"] += 1
    report.blocked = {"total": len(attempts), "users_removed": endings["users_removed"],
                      "callback": endings["callback"], "gave_up": endings["gave_up"]}

    # Retention offers: shown, answered, and the discount lines they put on invoices.
    offers = [o for o in RetentionOffer.objects.filter(plan__currency=currency).values_list("outcome", "shown_at", "subscription_id")
              if first_month <= _month(o[1]) <= last_month]
    accepted = {o[2] for o in offers if o[0] == "accepted"}
    saved = -sum(InvoiceLine.objects.filter(kind="discount", invoice__subscription_id__in=accepted)
                 .values_list("amount", flat=True)) if accepted else 0
    # What the offers kept: the monthly value (latest period charge) of the subscriptions that
    # accepted and have not been cancelled since.
    latest: dict[str, tuple[datetime, int]] = {}
    for sid, amount, ps, pe in charges:
        if sid in accepted and (sid not in latest or ps > latest[sid][0]):
            latest[sid] = (ps, _monthly_value(amount, ps, pe))
    retained = sum(v for sid, (_ps, v) in latest.items() if sid not in cancel_of)
    report.offers = {"shown": len(offers), "accepted": sum(1 for o in offers if o[0] == "accepted"),
                     "declined": sum(1 for o in offers if o[0] == "declined"), "discount_given": saved,
                     "retained_mrr": retained}

    # MRR at each month's start: the monthly value of every paid period covering that instant;
    # churned: the monthly value, at cancellation, of the subscriptions cancelled in the month.
    value_at_cancel: dict[str, int] = {}
    for sid, amount, ps, pe in charges:
        c = cancel_of.get(sid)
        if c is not None and ps <= c[1] < pe:
            value_at_cancel[sid] = _monthly_value(amount, ps, pe)
    for start, month in zip(starts, months, strict=True):
        mrr = sum(_monthly_value(a, ps, pe) for _sid, a, ps, pe in charges if ps <= start < pe)
        churned = sum(value_at_cancel.get(c[0], 0) for c in inside if _month(c[1]) == month)
        report.mrr.append({"month": month, "mrr": mrr, "churned_mrr": churned, "cancellations": report.by_month[month],
                           "churn_rate_bp": round_half_up(churned * 10000, mrr) if mrr else 0})
    return report


def report_csv(report: CancellationReport) -> str:
    """One row per month: cancellations, MRR, churned MRR, churn (basis points); then the breakdowns."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "key", "value", "mrr", "churned_mrr", "churn_rate_bp"])
    for row in report.mrr:
        w.writerow(["month", row["month"], row["cancellations"], row["mrr"], row["churned_mrr"], row["churn_rate_bp"]])
    for section, data in (("reason", report.by_reason), ("plan", report.by_plan), ("seats", report.by_seats),
                          ("blocked", report.blocked), ("offers", report.offers)):
        for key, value in data.items():
            w.writerow([section, key, value, "", "", ""])
    w.writerow(["channel", "assisted", report.assisted, "", "", ""])
    w.writerow(["channel", "online", report.online, "", "", ""])
    return out.getvalue()


__all__ = ["CancellationReport", "cancellations_report", "report_csv", "seat_bucket", "valid_month"]
