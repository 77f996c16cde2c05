"""Issuing invoices: a whole period in advance, or the prorated rest of a period for added seats."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.proration import remaining_charge
from prorata.subscriptions.models import Subscription
from prorata.tenants.models import Tenant

from ..models import CreditApplication, Invoice, InvoiceKind, InvoiceLine, LineKind
from .common import (
    INVOICE_SEQUENCE,
    charge_description,
    credit_description,
    format_number,
    invoice_snapshot,
    product_name,
    proration_description,
    reserve_numbers,
)


def _apply_balance(*, invoice: Invoice, tenant_id: str, language: str, at: datetime) -> int:
    """Apply the tenant's account credit to `invoice` (at most its subtotal); returns the amount.

    The balance is decremented by a conditional update, so two invoices can never spend the
    same credit: the update only succeeds while the balance still covers it.
    """
    balance = Tenant.objects.filter(pk=tenant_id).values_list("credit_balance", flat=True).get()
    take = min(int(balance), invoice.subtotal)
    if take <= 0:
        return 0
    if not Tenant.objects.filter(pk=tenant_id, credit_balance__gte=take).update(credit_balance=F("credit_balance") - take):
        return 0
    InvoiceLine.objects.create(
        tenant_id=tenant_id, invoice=invoice, kind=LineKind.CREDIT_APPLIED,
        description=credit_description(language=language), quantity=1, unit_amount=-take, amount=-take,
    )
    CreditApplication.objects.create(tenant_id=tenant_id, invoice=invoice, amount=take, created_at=at)
    return take


def invoice_issue_period(*, actor: Actor, subscription: Subscription, period_start: datetime, period_end: datetime, at: datetime) -> Invoice:
    """The invoice for one whole period of `subscription`, issued in advance at `at`.

    One `charge` line: quantity × plan.unit_amount. Then the tenant's account credit, as a
    `credit_applied` line (negative). subtotal = the charge; total = subtotal − credit applied.
    At most one per (subscription, period_start): if it exists it is returned unchanged.
    """
    existing = Invoice.objects.filter(
        tenant_id=subscription.tenant_id, subscription_id=subscription.pk, period_start=period_start, kind=InvoiceKind.PERIOD
    ).first()
    if existing is not None:
        return existing
    plan = subscription.plan
    tenant = subscription.tenant
    try:
        with transaction.atomic():
            number = format_number(INVOICE_SEQUENCE, reserve_numbers(INVOICE_SEQUENCE))
            amount = subscription.quantity * plan.unit_amount
            invoice = Invoice.objects.create(
                tenant_id=tenant.pk, subscription=subscription, number=number, kind=InvoiceKind.PERIOD,
                currency=plan.currency, period_start=period_start, period_end=period_end, issued_at=at,
                subtotal=amount, credit_applied=0, total=amount, created_at=at,
            )
            InvoiceLine.objects.create(
                tenant_id=tenant.pk, invoice=invoice, kind=LineKind.CHARGE,
                description=charge_description(
                    language=tenant.language, product=product_name(plan.product, tenant.language),
                    quantity=subscription.quantity, start=period_start, end=period_end, tz=tenant.timezone,
                ),
                quantity=subscription.quantity, unit_amount=plan.unit_amount, amount=amount,
                period_start=period_start, period_end=period_end,
            )
            credit = _apply_balance(invoice=invoice, tenant_id=tenant.pk, language=tenant.language, at=at)
            if credit:
                invoice.credit_applied = credit
                invoice.total = amount - credit
                invoice.save(update_fields=["credit_applied", "total"])
            audit_record(
                actor=actor, action="invoice.issued", object_type="invoice", object_id=invoice.pk,
                tenant_id=tenant.pk, at=at, after=invoice_snapshot(invoice),
            )
    except IntegrityError:
        # Another transaction issued it first: the unique key makes it the one invoice.
        existing = Invoice.objects.filter(
            tenant_id=subscription.tenant_id, subscription_id=subscription.pk, period_start=period_start, kind=InvoiceKind.PERIOD
        ).first()
        if existing is None:
            raise
        return existing
    return invoice


def invoice_issue_proration(*, actor: Actor, subscription: Subscription, added: int, at: datetime) -> Invoice:
    """The prorated charge for `added` seats from `at` to the end of the current period.

    One `proration` line: round_half_up(added × unit_amount × remaining / total), then the
    tenant's account credit applied as for a period invoice.
    """
    plan = subscription.plan
    tenant = subscription.tenant
    start, end = subscription.current_period_start, subscription.current_period_end
    amount = remaining_charge(added * plan.unit_amount, start, end, at, plan.proration_unit, tenant.timezone)  # type: ignore[arg-type]
    number = format_number(INVOICE_SEQUENCE, reserve_numbers(INVOICE_SEQUENCE))
    invoice = Invoice.objects.create(
        tenant_id=tenant.pk, subscription=subscription, number=number, kind=InvoiceKind.PRORATION,
        currency=plan.currency, period_start=at, period_end=end, issued_at=at,
        subtotal=amount, credit_applied=0, total=amount, created_at=at,
    )
    InvoiceLine.objects.create(
        tenant_id=tenant.pk, invoice=invoice, kind=LineKind.PRORATION,
        description=proration_description(
            language=tenant.language, product=product_name(plan.product, tenant.language),
            quantity=added, start=at, end=end, tz=tenant.timezone,
        ),
        quantity=added, unit_amount=plan.unit_amount, amount=amount, period_start=at, period_end=end,
    )
    credit = _apply_balance(invoice=invoice, tenant_id=tenant.pk, language=tenant.language, at=at)
    if credit:
        invoice.credit_applied = credit
        invoice.total = amount - credit
        invoice.save(update_fields=["credit_applied", "total"])
    audit_record(
        actor=actor, action="invoice.issued", object_type="invoice", object_id=invoice.pk,
        tenant_id=tenant.pk, at=at, after=invoice_snapshot(invoice),
    )
    return invoice


def paid_for_period(*, subscription: Subscription, period_start: datetime) -> tuple[Invoice | None, int]:
    """The period's invoice and the full-period value of the seats it charged for.

    The amount is read from the invoice lines, never from today's price: the `charge` line's
    unit amount × the seats held now (seats added mid-period were charged by `proration`
    lines at that same unit amount; removed ones were credited), before any credit applied —
    credit applied was the tenant's own money. With no seat change since the invoice it is
    exactly the `charge` line's amount. Proration of this amount to the unused part of the
    period therefore credits every seat only for the time it was paid for.
    """
    invoice = (
        Invoice.objects.filter(
            tenant_id=subscription.tenant_id, subscription_id=subscription.pk,
            period_start=period_start, kind=InvoiceKind.PERIOD,
        ).first()
    )
    if invoice is None:
        return None, 0
    line = invoice.lines.filter(kind=LineKind.CHARGE).order_by("id").first()
    if line is None:
        return invoice, 0
    if line.quantity == subscription.quantity:
        return invoice, int(line.amount)
    return invoice, int(line.unit_amount) * int(subscription.quantity)
