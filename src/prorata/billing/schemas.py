"""API shapes of invoices, credit notes and refunds. Money in minor units beside its currency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from .models import CreditNote, Invoice, Refund


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
    due_at: datetime | None = Field(description="Pay by invoice: when the sent invoice is due; past it, unpaid, "
                                                "the subscription is past due.")
    disputed_at: datetime | None = Field(description="When the payment was disputed at the cardholder's bank.")
    closed_at: datetime | None = Field(description="When an operator voided it or marked it uncollectible.")
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


INVOICE_FIELDS = ("id", "number", "tenant_id", "subscription_id", "kind", "status", "currency", "period_start",
                  "period_end", "issued_at", "subtotal", "credit_applied", "total", "amount_paid", "paid_at", "due_at",
                  "disputed_at", "closed_at")
LINE_FIELDS = ("kind", "description", "quantity", "unit_amount", "amount", "period_start", "period_end")


def invoice_values_out(invoice: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The invoice's API shape (InvoiceOut) from its column values and its lines' (in order).

    The API and every invoice.* webhook event use this one function, so an event's
    `data.object` is what `GET /invoices/{id}` returned at that moment.
    """
    return {
        "id": invoice["id"], "number": invoice["number"], "tenant": invoice["tenant_id"],
        "subscription": invoice["subscription_id"], "kind": invoice["kind"], "status": invoice["status"],
        "currency": invoice["currency"], "period_start": invoice["period_start"], "period_end": invoice["period_end"],
        "issued_at": invoice["issued_at"], "subtotal": invoice["subtotal"], "credit_applied": invoice["credit_applied"],
        "total": invoice["total"], "amount_paid": invoice["amount_paid"], "paid_at": invoice["paid_at"],
        "due_at": invoice.get("due_at"), "disputed_at": invoice.get("disputed_at"), "closed_at": invoice.get("closed_at"),
        "lines": [{k: line[k] for k in LINE_FIELDS} for line in lines],
    }


def invoice_out(invoice: Invoice) -> dict[str, Any]:
    values = {f: getattr(invoice, f) for f in INVOICE_FIELDS}
    lines = [{f: getattr(line, f) for f in LINE_FIELDS} for line in sorted(invoice.lines.all(), key=lambda x: x.pk)]
    return invoice_values_out(values, lines)


def _get(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, Mapping) else getattr(obj, name)


def credit_note_out(note: CreditNote | Mapping[str, Any]) -> dict[str, Any]:
    """The credit note's API shape, from the model or from its column values (the writer's rows)."""
    g = _get
    return {
        "id": g(note, "id"), "number": g(note, "number"), "tenant": g(note, "tenant_id"),
        "subscription": g(note, "subscription_id"), "invoice": g(note, "invoice_id"), "currency": g(note, "currency"),
        "amount": g(note, "amount"), "reason": g(note, "reason"), "status": g(note, "status"),
        "settles_on": g(note, "settles_on"), "applied_amount": g(note, "applied_amount"),
        "refunded_amount": g(note, "refunded_amount"), "settled_at": g(note, "settled_at"),
        "created_at": g(note, "created_at"),
    }


def refund_out(refund: Refund | Mapping[str, Any]) -> dict[str, Any]:
    g = _get
    return {
        "id": g(refund, "id"), "tenant": g(refund, "tenant_id"), "credit_note": g(refund, "credit_note_id"),
        "payment": g(refund, "payment_id"), "amount": g(refund, "amount"), "currency": g(refund, "currency"),
        "status": g(refund, "status"), "created_at": g(refund, "created_at"),
    }
