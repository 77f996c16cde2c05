"""Stripe's webhook events: outcomes that arrive after the call that asked for them.

Each event is stored by its id before it is acted on, and acted on once: a replay (Stripe sends
again until it is answered with 2xx, and anyone may resend a captured request) finds it
processed. What an event may do goes through the code every other outcome uses:

- `payment_intent.succeeded` / `payment_intent.payment_failed`: the charge's call, when it is
  still recorded (its process died or its outcome was not written yet), is reconciled now — the
  processor is asked by key and the outcome written from the stored plan, exactly once
  (`reconcile.payments_reconcile`). A PaymentIntent that needed authentication and has since been
  confirmed is recorded as paid (`payment_confirm`).
- `charge.refunded`: a refund's recorded call is reconciled the same way.
- `charge.dispute.created`: the invoice the charge paid is marked disputed and the operator is
  told (an audit row); the subscription is left as it is — the operator decides.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from prorata.audit.services import audit_record
from prorata.billing.models import GatewayCall, Invoice, Payment
from prorata.core.actor import Actor
from prorata.core.clock import system_clock
from prorata.payments.models import StripeEvent

from .reconcile import payments_reconcile

log = logging.getLogger(__name__)

STRIPE = Actor(kind="system", id="stripe", label="Stripe")


def _get(obj: Any, *path: str) -> Any:
    for name in path:
        if obj is None:
            return None
        try:
            obj = obj[name]
        except (KeyError, TypeError, IndexError):
            return None
    return obj


def stripe_event_receive(event: Any) -> str:
    """Act on a verified Stripe event once; returns what was done ("duplicate" for a replay)."""
    event_id, kind = str(event["id"]), str(event["type"])
    try:
        with transaction.atomic():
            StripeEvent.objects.create(id=event_id, type=kind, received_at=system_clock.now())
    except IntegrityError:
        if StripeEvent.objects.filter(pk=event_id).exclude(outcome="").exists():
            return "duplicate"
        # Stored but not processed (its processing failed): process it now. Every step below is
        # idempotent, so two deliveries racing here still change things once.
    obj = _get(event, "data", "object")
    if kind in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        outcome = _payment_intent(obj)
    elif kind == "charge.refunded":
        outcome = _refunded(obj)
    elif kind == "charge.dispute.created":
        outcome = _dispute(obj)
    else:
        outcome = "ignored"
    StripeEvent.objects.filter(pk=event_id).update(outcome=outcome[:200])
    return outcome


def _settle_calls(keys: list[str]) -> str:
    keys = [k for k in keys if k and GatewayCall.objects.filter(pk=k).exists()]
    if not keys:
        return ""
    result = payments_reconcile(keys=keys, force=True)
    return f"reconciled {result.finished} of {len(keys)}"


def _payment_intent(intent: Any) -> str:
    key = str(_get(intent, "metadata", "prorata_key") or "")
    settled = _settle_calls([key])
    if settled:
        return settled
    if _get(intent, "status") == "succeeded":
        from .confirm import payment_confirm_settle

        reference = str(_get(intent, "id") or "")
        if reference and payment_confirm_settle(reference, actor=STRIPE):
            return "confirmed"
    return "nothing to do"


def _refunded(charge: Any) -> str:
    refunds = _get(charge, "refunds", "data") or []
    settled = _settle_calls([str(_get(r, "metadata", "prorata_key") or "") for r in refunds])
    return settled or "nothing to do"


def _dispute(dispute: Any) -> str:
    reference = str(_get(dispute, "payment_intent") or "")
    charge = str(_get(dispute, "charge") or "")
    payment = Payment.objects.filter(reference__in=[r for r in (reference, charge) if r]).select_related("invoice").first()
    if payment is None or payment.invoice is None:
        log.warning("a dispute for %s, which no invoice of ours was paid by", reference or charge)
        return "unknown payment"
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update(no_key=True).get(pk=payment.invoice_id)
        if invoice.disputed_at is not None:
            return "already disputed"
        now = system_clock.now()
        invoice.disputed_at = now
        invoice.save(update_fields=["disputed_at"])
        audit_record(
            actor=STRIPE, action="invoice.disputed", object_type="invoice", object_id=invoice.pk,
            tenant_id=invoice.tenant_id, at=now, before={"disputed": False}, after={"disputed": True},
            details={"dispute": str(_get(dispute, "id") or ""), "amount": _get(dispute, "amount"),
                     "currency": str(_get(dispute, "currency") or "").upper(), "reason": str(_get(dispute, "reason") or ""),
                     "payment": payment.pk, "invoice_number": invoice.number},
        )
    return "disputed"
