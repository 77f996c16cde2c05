"""Property: for random sequences of purchases, seat changes, cancellations, reactivations and
clock advances — and, paying by invoice, bank transfers, voids and write-offs — nothing is
invoiced twice, no credit exceeds what was paid, and the tenant's money balances to the cent."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from conftest import rolled_back
from factories import make_card, make_clock, make_plan, make_tenant, utc
from prorata.billing.models import (
    CreditApplication,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)
from prorata.core.actor import Actor
from prorata.core.errors import ProrataError
from prorata.subscriptions.engine import advance_clock
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import (
    invoice_mark_uncollectible,
    invoice_payment_record,
    invoice_void,
    subscription_cancel,
    subscription_change_quantity,
    subscription_purchase,
    subscription_reactivate,
)
from prorata.tenants.models import Tenant
from prorata.tenants.services import tenant_set_collection

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="api_key", id="key_prop", label="operator", is_operator=True, role="operator")

steps = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), st.integers(0, 2), st.integers(1, 30)),
        st.tuples(st.just("seats"), st.integers(0, 5), st.integers(1, 30)),
        st.tuples(st.just("cancel"), st.integers(0, 5)),
        st.tuples(st.just("reactivate"), st.integers(0, 5)),
        st.tuples(st.just("advance"), st.integers(0, 70), st.integers(0, 23)),
        # Pay by invoice: switch how the tenant pays; a transfer of a quarter, half, three
        # quarters or all of what an open invoice owes; a void or a write-off.
        st.tuples(st.just("collection"), st.sampled_from(["send_invoice", "charge_automatically"])),
        st.tuples(st.just("transfer"), st.integers(0, 5), st.integers(1, 4)),
        st.tuples(st.just("close"), st.integers(0, 5), st.sampled_from(["void", "mark_uncollectible"])),
    ),
    min_size=1, max_size=14,
)


def _check(tenant: Tenant) -> None:
    invoices = list(Invoice.objects.filter(tenant=tenant))
    # Nothing invoiced twice: one period invoice per (subscription, period start); numbers unique.
    keys = [(i.subscription_id, i.period_start) for i in invoices if i.kind == "period"]
    assert len(keys) == len(set(keys))
    assert len({i.number for i in invoices}) == len(invoices)
    paid_by = defaultdict(int)
    for p in Payment.objects.filter(tenant=tenant, status="succeeded"):
        paid_by[p.invoice_id] += p.amount
    for i in invoices:
        lines = list(InvoiceLine.objects.filter(invoice=i))
        assert i.subtotal == sum(x.amount for x in lines if x.amount > 0)
        assert i.credit_applied == -sum(x.amount for x in lines if x.kind == "credit_applied")
        assert i.total == i.subtotal - i.credit_applied >= 0
        assert i.amount_paid == paid_by[i.pk] <= i.total
        assert (i.status == "paid") == (i.amount_paid == i.total)
        assert (i.closed_at is not None) == (i.status in ("void", "uncollectible"))
        assert i.status != "void" or i.amount_paid == 0
    # Charges = payments + credits applied + amounts open + amounts closed (void, written off).
    charges = sum(i.subtotal for i in invoices)
    payments = sum(paid_by.values())
    applied = sum(i.credit_applied for i in invoices)
    open_amount = sum(i.total - i.amount_paid for i in invoices if i.status == "open")
    closed_amount = sum(i.total - i.amount_paid for i in invoices if i.status in ("void", "uncollectible"))
    assert all(i.status in ("open", "paid", "void", "uncollectible") for i in invoices)
    assert charges == payments + applied + open_amount + closed_amount
    # Credit notes = applied + refunded + pending.
    notes = list(CreditNote.objects.filter(tenant=tenant))
    assert sum(n.amount for n in notes) == sum(n.applied_amount + n.refunded_amount for n in notes) + sum(
        n.amount for n in notes if n.status == "pending")
    for n in notes:
        if n.status == "settled":
            assert n.applied_amount + n.refunded_amount == n.amount
            to_invoices = CreditApplication.objects.filter(credit_note=n).aggregate(s=Sum("amount"))["s"] or 0
            assert to_invoices == n.applied_amount
            assert (Refund.objects.filter(credit_note=n).aggregate(s=Sum("amount"))["s"] or 0) == n.refunded_amount
    # No credit exceeds what was paid for the period it credits.
    credited = defaultdict(int)
    for n in notes:
        credited[(n.subscription_id, n.invoice.period_end)] += n.amount
    charged = defaultdict(int)
    for i in invoices:
        charged[(i.subscription_id, i.period_end)] += i.subtotal
    for key, amount in credited.items():
        assert amount <= charged[key], key
    # No payment refunded beyond what it paid.
    for p in Payment.objects.filter(tenant=tenant, status="succeeded"):
        assert (Refund.objects.filter(payment=p).aggregate(s=Sum("amount"))["s"] or 0) <= p.amount
    # A bank transfer is never refunded through the processor.
    assert not Refund.objects.filter(tenant=tenant, payment__kind="bank_transfer").exists()
    # The account balance is what credit notes put in, plus what closed invoices gave back, less
    # what invoices took out; a closed invoice gave back all the credit it took, once.
    apps = CreditApplication.objects.filter(tenant=tenant)
    into = apps.filter(kind="applied", invoice__isnull=True).aggregate(s=Sum("amount"))["s"] or 0
    returned = apps.filter(kind="returned").aggregate(s=Sum("amount"))["s"] or 0
    out = apps.filter(kind="applied", credit_note__isnull=True).aggregate(s=Sum("amount"))["s"] or 0
    tenant.refresh_from_db()
    assert tenant.credit_balance == into + returned - out >= 0
    for i in invoices:
        back = [a.amount for a in apps if a.kind == "returned" and a.invoice_id == i.pk]
        assert back == ([i.credit_applied] if i.status in ("void", "uncollectible") and i.credit_applied else [])


@settings(max_examples=int(os.environ.get("PRORATA_PROPERTY_EXAMPLES", "30")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
# Two notes of one period settling in one batch (a seat decrease, then the cancel) once both took
# back the same payment in full.
@example([("buy", 0, 25), ("seats", 0, 1), ("seats", 0, 24), ("cancel", 0), ("advance", 33, 0)])
# Paying by invoice: a sent invoice part paid, past due, written off; a credit returned and spent.
@example([("collection", "send_invoice"), ("buy", 2, 3), ("transfer", 0, 1), ("advance", 12, 0), ("close", 0, "mark_uncollectible"),
          ("buy", 0, 2), ("close", 0, "void"), ("advance", 40, 0), ("transfer", 0, 4)])
def test_random_billing_histories_never_double_bill_and_always_balance(history):
    with rolled_back():
        clock = make_clock(utc(2024, 1, 31, 10))
        tenant = make_tenant(test_clock=clock, timezone="Asia/Shanghai")
        make_card(tenant)
        plans = [
            make_plan(unit_amount=1999),
            make_plan(unit_amount=12001, interval="year", credit_settlement="refund_now"),
            make_plan(unit_amount=999, credit_settlement="keep_as_balance", proration_unit="second"),
        ]
        subs: list[str] = []
        for step in history:
            try:
                if step[0] == "buy":
                    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plans[step[1]].pk, quantity=step[2])
                    subs.append(sub.pk)
                elif step[0] == "seats" and subs:
                    subscription_change_quantity(actor=OPERATOR, subscription_id=subs[step[1] % len(subs)], quantity=step[2])
                elif step[0] == "cancel" and subs:
                    subscription_cancel(actor=OPERATOR, subscription_id=subs[step[1] % len(subs)])
                elif step[0] == "reactivate" and subs:
                    subscription_reactivate(actor=OPERATOR, subscription_id=subs[step[1] % len(subs)])
                elif step[0] == "advance":
                    clock.refresh_from_db()
                    advance_clock(clock, clock.frozen_time + timedelta(days=step[1], hours=step[2]), actor=OPERATOR)
                elif step[0] == "collection":
                    tenant_set_collection(actor=OPERATOR, tenant_id=tenant.pk, collection=step[1], days_until_due=10)
                elif step[0] in ("transfer", "close"):
                    unpaid = list(Invoice.objects.filter(tenant=tenant, status="open").order_by("id"))
                    if unpaid:
                        invoice = unpaid[step[1] % len(unpaid)]
                        if step[0] == "transfer":
                            owed = invoice.total - invoice.amount_paid
                            invoice_payment_record(actor=OPERATOR, invoice_id=invoice.pk, amount=max(1, owed * step[2] // 4),
                                                   reference=f"T{len(history)}-{step[1]}-{step[2]}-{invoice.amount_paid}")
                        elif step[2] == "void":
                            invoice_void(actor=OPERATOR, invoice_id=invoice.pk)
                        else:
                            invoice_mark_uncollectible(actor=OPERATOR, invoice_id=invoice.pk)
            except ProrataError:
                pass
            note(f"after {step}")
            _check(tenant)
        assert Subscription.objects.filter(tenant=tenant).count() == len(subs)
