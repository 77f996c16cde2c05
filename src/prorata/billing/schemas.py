"""API shapes of invoices, credit notes and refunds. Money in minor units beside its currency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import StrictInt

from prorata.schemas import StrictIn

from .models import CreditNote, Invoice, Refund


class QuantityIn(StrictIn):
    # Strict: "3" or 3.0 is not a number of licenses.
    quantity: StrictInt


class InvoiceLineOut(Schema):
    kind: str
    description: str
    quantity: int
    unit_amount: int
    amount: int
    period_start: datetime | None
    period_end: datetime | None


class InvoiceOut(Schema):
    id: str
    number: str
    tenant: str
    subscription: str
    kind: str
    status: str
    currency: str
    period_start: datetime
    period_end: datetime
    issued_at: datetime
    subtotal: int
    credit_applied: int
    total: int
    amount_paid: int
    paid_at: datetime | None
    lines: list[InvoiceLineOut]


class InvoicePage(Schema):
    data: list[InvoiceOut]
    has_more: bool


class CreditNoteOut(Schema):
    id: str
    number: str
    tenant: str
    subscription: str
    invoice: str
    currency: str
    amount: int
    reason: str
    status: str
    settles_on: datetime
    applied_amount: int
    refunded_amount: int
    settled_at: datetime | None
    created_at: datetime


class CreditNotePage(Schema):
    data: list[CreditNoteOut]
    has_more: bool


class RefundOut(Schema):
    id: str
    tenant: str
    credit_note: str
    payment: str
    amount: int
    currency: str
    status: str
    created_at: datetime


class RefundPage(Schema):
    data: list[RefundOut]
    has_more: bool


def invoice_out(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.pk, "number": invoice.number, "tenant": invoice.tenant_id, "subscription": invoice.subscription_id,
        "kind": invoice.kind, "status": invoice.status, "currency": invoice.currency,
        "period_start": invoice.period_start, "period_end": invoice.period_end, "issued_at": invoice.issued_at,
        "subtotal": invoice.subtotal, "credit_applied": invoice.credit_applied, "total": invoice.total,
        "amount_paid": invoice.amount_paid, "paid_at": invoice.paid_at,
        "lines": [
            {"kind": line.kind, "description": line.description, "quantity": line.quantity,
             "unit_amount": line.unit_amount, "amount": line.amount,
             "period_start": line.period_start, "period_end": line.period_end}
            for line in sorted(invoice.lines.all(), key=lambda x: x.pk)
        ],
    }


def credit_note_out(note: CreditNote) -> dict[str, Any]:
    return {
        "id": note.pk, "number": note.number, "tenant": note.tenant_id, "subscription": note.subscription_id,
        "invoice": note.invoice_id, "currency": note.currency, "amount": note.amount, "reason": note.reason,
        "status": note.status, "settles_on": note.settles_on, "applied_amount": note.applied_amount,
        "refunded_amount": note.refunded_amount, "settled_at": note.settled_at, "created_at": note.created_at,
    }


def refund_out(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.pk, "tenant": refund.tenant_id, "credit_note": refund.credit_note_id, "payment": refund.payment_id,
        "amount": refund.amount, "currency": refund.currency, "status": refund.status, "created_at": refund.created_at,
    }
