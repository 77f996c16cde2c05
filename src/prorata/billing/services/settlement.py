"""Settling a credit note (SPEC R6, §4): applied to invoices at the boundary, the rest refunded."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Sum

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.tenants.models import Tenant

from .. import gateway
from ..domain.settlement import split_credit
from ..models import (
    CreditApplication,
    CreditNote,
    CreditNoteStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from .common import credit_description, credit_note_snapshot
from .payments import invoice_mark_paid


def _refundable_payments(note: CreditNote) -> list[tuple[Payment, int]]:
    """Payments that paid for the credited period, the credited invoice's first, with what is left."""
    paid_invoice = note.invoice
    invoices = Invoice.objects.filter(
        tenant_id=note.tenant_id, subscription_id=note.subscription_id,
        period_end=paid_invoice.period_end, period_start__gte=paid_invoice.period_start,
    )
    payments = list(
        Payment.objects.filter(
            tenant_id=note.tenant_id, invoice__in=invoices, status=PaymentStatus.SUCCEEDED,
            payment_method__isnull=False,
        ).select_related("payment_method").select_for_update(of=("self",)).order_by("id")
    )
    payments.sort(key=lambda p: (p.invoice_id != paid_invoice.pk, p.pk))
    refunded = dict(
        Refund.objects.filter(tenant_id=note.tenant_id, payment__in=payments, status=RefundStatus.SUCCEEDED)
        .values("payment_id").annotate(total=Sum("amount")).values_list("payment_id", "total")
    )
    return [(p, p.amount - int(refunded.get(p.pk) or 0)) for p in payments]


def credit_note_settle(*, actor: Actor, credit_note: CreditNote, at: datetime) -> CreditNote:
    """Settle a pending credit note at `at`; a settled one is returned unchanged.

    With `next_billing_cycle` the credit first pays the tenant's open invoices issued at the
    boundary (`settles_on`), then is refunded to the payments that paid the credited period;
    `refund_now` refunds at once; `keep_as_balance` adds it to the tenant's credit balance.
    Whatever no payment can take back (a part paid with account credit, a removed card) goes to
    the credit balance. Always applied_amount + refunded_amount = amount.
    """
    with transaction.atomic():
        note = CreditNote.objects.select_for_update().select_related("invoice", "subscription__plan", "tenant").get(pk=credit_note.pk)
        if note.status == CreditNoteStatus.SETTLED:
            return note
        mode = note.subscription.plan.credit_settlement
        tenant = note.tenant
        invoices = list(
            Invoice.objects.select_for_update().filter(
                tenant_id=note.tenant_id, issued_at=note.settles_on, status=InvoiceStatus.OPEN, currency=note.currency,
            ).order_by("id")
        ) if mode == "next_billing_cycle" else []
        by_invoice = {i.pk: i for i in invoices}
        payments = _refundable_payments(note) if mode != "keep_as_balance" else []
        by_payment = {p.pk: p for p, _ in payments}
        split = split_credit(
            note.amount,
            open_invoices=[(i.pk, i.total - i.amount_paid) for i in invoices],
            refundable_payments=[(p.pk, left) for p, left in payments],
            mode=mode,
        )
        for invoice_id, amount in split.applications:
            invoice = by_invoice[invoice_id]
            InvoiceLine.objects.create(
                tenant_id=note.tenant_id, invoice=invoice, kind=LineKind.CREDIT_APPLIED,
                description=credit_description(language=tenant.language, number=note.number),
                quantity=1, unit_amount=-amount, amount=-amount,
            )
            CreditApplication.objects.create(tenant_id=note.tenant_id, credit_note=note, invoice=invoice, amount=amount, created_at=at)
            invoice.credit_applied += amount
            invoice.total -= amount
            invoice.save(update_fields=["credit_applied", "total"])
            invoice_mark_paid(actor=actor, invoice=invoice, at=at)
        for payment_id, amount in split.refunds:
            payment = by_payment[payment_id]
            gateway.refund(payment.payment_method.gateway_token, amount, note.currency, idempotency_key=f"{note.pk}:{payment.pk}")
            refund = Refund.objects.create(
                tenant_id=note.tenant_id, credit_note=note, payment=payment, payment_method=payment.payment_method,
                amount=amount, currency=note.currency, status=RefundStatus.SUCCEEDED, created_at=at,
            )
            audit_record(
                actor=actor, action="refund.created", object_type="refund", object_id=refund.pk,
                tenant_id=note.tenant_id, at=at,
                after={"id": refund.pk, "credit_note": note.pk, "payment": payment.pk, "amount": amount, "currency": note.currency},
            )
        if split.to_balance:
            CreditApplication.objects.create(tenant_id=note.tenant_id, credit_note=note, amount=split.to_balance, created_at=at)
            Tenant.objects.filter(pk=note.tenant_id).update(credit_balance=F("credit_balance") + split.to_balance)
        note.applied_amount = split.applied
        note.refunded_amount = split.refunded
        note.status = CreditNoteStatus.SETTLED
        note.settled_at = at
        note.save(update_fields=["applied_amount", "refunded_amount", "status", "settled_at"])
        audit_record(
            actor=actor, action="credit_note.settled", object_type="credit_note", object_id=note.pk,
            tenant_id=note.tenant_id, at=at, after=credit_note_snapshot(note),
        )
    return note
