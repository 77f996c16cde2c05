"""Shared steps of the calendar walks: a tenant on a test clock, purchases, advances, checks."""

from __future__ import annotations

from datetime import datetime

import pytest

from factories import make_card, make_clock, make_plan, make_tenant
from prorata.billing.models import CreditNote, Invoice, Refund
from prorata.core.actor import Actor
from prorata.subscriptions.engine import advance_clock
from prorata.subscriptions.models import StatusChange, Subscription
from prorata.tenants.models import TestClock

OPERATOR = Actor(kind="api_key", id="key_test", label="test operator", is_operator=True, role="operator")


def tenant_on_clock(at: datetime, *, card: str | None = "4242424242424242", **kw):
    clock = make_clock(at)
    tenant = make_tenant(test_clock=clock, **kw)
    if card:
        make_card(tenant, card)
    return clock, tenant


def buy(tenant, plan, quantity: int, *, trial: bool = False) -> Subscription:
    from prorata.subscriptions.services import subscription_purchase

    return subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=quantity, trial=trial)


def advance(clock: TestClock, to: datetime) -> None:
    clock.refresh_from_db()
    advance_clock(clock, to, actor=OPERATOR)
    clock.refresh_from_db()


def lines_of(invoice: Invoice) -> list[tuple[str, int, int, int]]:
    """(kind, quantity, unit_amount, amount) of every line, in order."""
    return [(x.kind, x.quantity, x.unit_amount, x.amount) for x in invoice.lines.order_by("id")]


def period_invoices(sub: Subscription) -> list[Invoice]:
    return list(Invoice.objects.filter(subscription=sub, kind="period").order_by("period_start"))


def statuses(sub: Subscription) -> list[tuple[str, str, datetime]]:
    return [(c.from_status, c.to_status, c.at) for c in StatusChange.objects.filter(subscription=sub).order_by("id")]


def credit_notes(tenant) -> list[CreditNote]:
    return list(CreditNote.objects.filter(tenant=tenant).order_by("id"))


def refunds(tenant) -> list[Refund]:
    return list(Refund.objects.filter(tenant=tenant).order_by("id"))


__all__ = ["OPERATOR", "make_plan", "tenant_on_clock", "buy", "advance", "lines_of", "period_invoices", "statuses"]


@pytest.fixture(autouse=True, params=["batch", "one_at_a_time"])
def billing_path(request, monkeypatch):
    """Every calendar walk runs twice: in batches, and one subscription per batch (the same
    pipeline; the rows must be the same either way)."""
    if request.param == "one_at_a_time":
        from prorata.subscriptions import engine

        monkeypatch.setattr(engine, "DEFAULT_BATCH_SIZE", 1)
    return request.param
