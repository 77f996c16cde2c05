"""Collecting an invoice: one charge attempt on the tenant's default payment method."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.tenants.models import PaymentMethod

from .. import gateway
from ..models import Invoice, InvoiceStatus, Payment, PaymentStatus
from .common import invoice_snapshot

PAYMENT_METHOD_REQUIRED = "payment_method_required"


def payment_snapshot(payment: Payment) -> dict[str, object]:
    return {
        "id": payment.pk,
        "invoice": payment.invoice_id,
        "attempt": payment.attempt,
        "amount": payment.amount,
        "currency": payment.currency,
        "status": payment.status,
        "failure_code": payment.failure_code,
        "payment_method": payment.payment_method_id,
    }


def invoice_mark_paid(*, actor: Actor, invoice: Invoice, at: datetime, amount: int = 0) -> None:
    """Record `amount` more paid on the (locked) invoice; paid in full → `paid` and audited."""
    invoice.amount_paid += amount
    if invoice.amount_paid >= invoice.total and invoice.status == InvoiceStatus.OPEN:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = at
        invoice.save(update_fields=["amount_paid", "status", "paid_at"])
        audit_record(
            actor=actor, action="invoice.paid", object_type="invoice", object_id=invoice.pk,
            tenant_id=invoice.tenant_id, at=at, after=invoice_snapshot(invoice),
        )
    else:
        invoice.save(update_fields=["amount_paid"])


def invoice_collect(*, actor: Actor, invoice: Invoice, at: datetime) -> Payment | None:
    """Charge what is still owed on `invoice` to the tenant's default payment method.

    Returns the Payment (succeeded or failed), or None when nothing was owed (the invoice is
    then marked paid). The gateway's idempotency key is `<invoice id>:<attempt>`, so a replayed
    attempt can never charge twice. No default method → a failed Payment with failure code
    `payment_method_required`.
    """
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.OPEN:
            return None
        owed = invoice.total - invoice.amount_paid
        if owed <= 0:
            invoice_mark_paid(actor=actor, invoice=invoice, at=at)
            return None
        attempt = Payment.objects.filter(tenant_id=invoice.tenant_id, invoice=invoice).count() + 1
        method = PaymentMethod.objects.filter(tenant_id=invoice.tenant_id, is_default=True).first()
        if method is None:
            succeeded, failure = False, PAYMENT_METHOD_REQUIRED
        else:
            result = gateway.charge(method.gateway_token, owed, invoice.currency, idempotency_key=f"{invoice.pk}:{attempt}")
            succeeded, failure = result.succeeded, result.failure_code
        payment = Payment.objects.create(
            tenant_id=invoice.tenant_id, invoice=invoice, payment_method=method, attempt=attempt, amount=owed,
            currency=invoice.currency, status=PaymentStatus.SUCCEEDED if succeeded else PaymentStatus.FAILED,
            failure_code="" if succeeded else (failure or "card_declined"), created_at=at,
        )
        if succeeded:
            invoice_mark_paid(actor=actor, invoice=invoice, at=at, amount=owed)
        else:
            audit_record(
                actor=actor, action="invoice.payment_failed", object_type="invoice", object_id=invoice.pk,
                tenant_id=invoice.tenant_id, at=at, after={**invoice_snapshot(invoice), "payment": payment_snapshot(payment)},
            )
        return payment
