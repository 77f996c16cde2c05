"""Settling credit notes (SPEC R6, §4): what the invoices at the boundary did not take is refunded
to the payments that paid the credited period, and what no payment can take back goes to the
tenant's credit balance. Always applied_amount + refunded_amount = amount once settled.

The invoices issued at a note's boundary take their part when they are planned (the renewal
planner spends the note, billing.domain.renewal), so by the time the note itself is due only
the rest is left. Refunds are processor calls, so settling is in three steps, as every money
movement (billing.services.charges): record the refund calls (the note's rest is accounted as
refunded from then on, so nothing else can spend it), make them, then write the refunds — or,
for a refund the processor refused, move its amount to the credit balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Sum

from prorata.core.actor import Actor
from prorata.core.clock import ensure_utc
from prorata.core.ids import new_id
from prorata.platform.locks import retry_on_lock_conflict
from prorata.platform.writer import Changes
from prorata.tenants.models import Tenant

from ..domain.renewal import SUCCEEDED, ChargeResult
from ..domain.settlement import split_credit
from ..models import (
    CreditApplication,
    CreditNote,
    GatewayCall,
    Invoice,
    Payment,
    Refund,
    RefundStatus,
)
from ..schemas import credit_note_out, refund_out
from .charges import (
    REFUND,
    SETTLEMENT,
    call_record,
    calls_in_flight_notes,
    calls_make,
    calls_release,
    calls_take,
)
from .invoices import tenants_lock


def _actor_json(actor: Actor) -> list[str]:
    return [actor.kind, actor.id, actor.label]


def actor_from_json(data: Sequence[str]) -> Actor:
    kind, ident, label = data
    return Actor(kind=kind, id=ident, label=label)  # type: ignore[arg-type]


def _refundable_payments(note: CreditNote, promised: dict[str, int]) -> list[tuple[Payment, int]]:
    """Payments that paid for the credited period, the credited invoice's first, with what is left:
    less what was refunded, what refund calls still in flight will take back, and what other notes
    settling in this batch already promised (`promised`, by payment id)."""
    paid_invoice = note.invoice
    invoices = Invoice.objects.filter(
        tenant_id=note.tenant_id, subscription_id=note.subscription_id,
        period_end=paid_invoice.period_end, period_start__gte=paid_invoice.period_start,
    )
    payments = list(
        Payment.objects.filter(
            tenant_id=note.tenant_id, invoice__in=invoices, status="succeeded", payment_method__isnull=False,
        ).select_related("payment_method").order_by("id")
    )
    payments.sort(key=lambda p: (p.invoice_id != paid_invoice.pk, p.pk))
    refunded = dict(
        Refund.objects.filter(tenant_id=note.tenant_id, payment__in=payments).exclude(status=RefundStatus.FAILED)
        .values("payment_id").annotate(total=Sum("amount")).values_list("payment_id", "total")
    )
    in_flight = dict(
        GatewayCall.objects.filter(tenant_id=note.tenant_id, kind=REFUND, payment_id__in=[p.pk for p in payments])
        .values("payment_id").annotate(total=Sum("amount")).values_list("payment_id", "total")
    )
    return [(p, p.amount - int(refunded.get(p.pk) or 0) - int(in_flight.get(p.pk) or 0) - promised.get(p.pk, 0))
            for p in payments]


def _to_balance(changes: Changes, note: dict[str, Any], amount: int, at: datetime) -> None:
    if amount <= 0:
        return
    changes.insert(CreditApplication, {"tenant_id": note["tenant_id"], "credit_note_id": note["id"], "invoice_id": None,
                                       "amount": amount, "created_at": at})
    Tenant.objects.filter(pk=note["tenant_id"]).update(credit_balance=F("credit_balance") + amount)
    note["applied_amount"] += amount


def _settled(changes: Changes, actor: Actor, note: dict[str, Any], at: datetime) -> None:
    note.update(status="settled", settled_at=at)
    changes.update(CreditNote, note["id"], applied_amount=note["applied_amount"], refunded_amount=note["refunded_amount"],
                   status="settled", settled_at=at)
    changes.audit(actor=actor, tenant_id=note["tenant_id"], action="credit_note.settled", object_type="credit_note",
                  object_id=note["id"], at=at, after=credit_note_out(dict(note)))


def _values(note: CreditNote) -> dict[str, Any]:
    return {f.attname: getattr(note, f.attname) for f in CreditNote._meta.concrete_fields}


def credit_notes_prepare(changes: Changes, notes: Sequence[CreditNote], *, actor: Actor) -> list[dict[str, Any]]:
    """Step 1 for due notes (locked by the caller, with subscription__plan and invoice): settle
    those that need no refund, record the refund calls of the others. Returns the calls."""
    calls: list[dict[str, Any]] = []
    # Refunds recorded in this batch and not yet in the database: two notes of one period (a seat
    # decrease, then the cancel) must not both take back the same payment.
    promised: dict[str, int] = {}
    for note in notes:
        at = ensure_utc(note.settles_on)
        mode = note.subscription.plan.credit_settlement
        left = note.amount - note.applied_amount - note.refunded_amount
        payments = _refundable_payments(note, promised) if mode != "keep_as_balance" and left > 0 else []
        by_id = {p.pk: p for p, _ in payments}
        split = split_credit(left, open_invoices=[], refundable_payments=[(p.pk, r) for p, r in payments], mode=mode)
        values = _values(note)
        _to_balance(changes, values, split.to_balance, at)
        for payment_id, amount in split.refunds:
            payment = by_id[payment_id]
            promised[payment_id] = promised.get(payment_id, 0) + amount
            values["refunded_amount"] += amount
            calls.append(call_record(
                changes, kind=REFUND, purpose=SETTLEMENT, key=f"{note.pk}/{payment_id}", tenant_id=note.tenant_id,
                amount=amount, currency=note.currency, token=payment.payment_method.gateway_token,  # type: ignore[union-attr]
                payment_method_id=payment.payment_method_id, credit_note_id=note.pk, payment_id=payment_id,
                charge_reference=payment.reference, at=at,
                plan={"credit_note": note.pk, "payment": payment_id, "amount": amount, "at": at.isoformat(),
                      "actor": _actor_json(actor)},
            ))
        if split.refunds:
            changes.update(CreditNote, note.pk, applied_amount=values["applied_amount"],
                           refunded_amount=values["refunded_amount"])
        else:
            _settled(changes, actor, values, at)
    return calls


def credit_notes_finish(changes: Changes, calls: Sequence[dict[str, Any]], results: dict[str, ChargeResult]) -> None:
    """Step 3, in the transaction that took the calls (`calls_take`): the refunds, or the credit
    balance for refunds the processor refused; a note whose refunds are all done is settled."""
    if not calls:
        return
    tenants_lock([c["tenant_id"] for c in calls])
    notes = {n.pk: _values(n) for n in CreditNote.objects.select_for_update(no_key=True).filter(pk__in={c["credit_note_id"] for c in calls}).order_by("pk")}
    for call in calls:
        note, plan = notes[call["credit_note_id"]], call["plan"]
        at, actor = datetime.fromisoformat(plan["at"]), actor_from_json(plan["actor"])
        result = results[call["key"]]
        if result.status == SUCCEEDED:
            refund = changes.insert(Refund, {
                "id": new_id("re"), "tenant_id": call["tenant_id"], "credit_note_id": note["id"],
                "payment_id": call["payment_id"], "payment_method_id": call["payment_method_id"] or None,
                "amount": call["amount"], "currency": call["currency"], "status": RefundStatus.SUCCEEDED,
                "reference": result.reference, "created_at": at,
            })
            changes.audit(actor=actor, tenant_id=call["tenant_id"], action="refund.created", object_type="refund",
                          object_id=refund["id"], at=at, after=refund_out(refund))
        else:
            note["refunded_amount"] -= call["amount"]
            _to_balance(changes, note, call["amount"], at)
        note["_at"], note["_actor"] = at, actor
    waiting = calls_in_flight_notes(list(notes), exclude=[c["key"] for c in calls])
    for note in notes.values():
        at, actor = note.pop("_at"), note.pop("_actor")
        if note["id"] in waiting:
            changes.update(CreditNote, note["id"], applied_amount=note["applied_amount"], refunded_amount=note["refunded_amount"])
        else:
            _settled(changes, actor, note, at)


def credit_notes_settle_now(note_ids: Sequence[str], *, actor: Actor) -> None:
    """All three steps for notes that are due now (refund_now / keep_as_balance after a cancel or
    a seat decrease), after the transaction that created them committed. If anything fails on
    the way, the billing pass settles them (they are due) or reconciles their refund calls."""
    with transaction.atomic():
        tenants_lock(CreditNote.objects.filter(pk__in=list(note_ids)).values_list("tenant_id", flat=True))
        notes = list(CreditNote.objects.select_for_update(no_key=True, of=("self",)).filter(pk__in=list(note_ids), status="pending")
                     .select_related("subscription__plan", "invoice").order_by("pk"))
        notes = [n for n in notes if n.pk not in calls_in_flight_notes([n.pk for n in notes])]
        changes = Changes()
        calls = credit_notes_prepare(changes, notes, actor=actor)
        changes.flush()
    if calls:
        credit_notes_complete(calls, calls_make(calls))


def credit_notes_complete(calls: Sequence[dict[str, Any]], results: dict[str, ChargeResult]) -> None:
    """Step 3 in a transaction of its own; on failure the calls are left to reconciliation."""
    answered = [c for c in calls if c["key"] in results]

    def finish() -> None:
        with transaction.atomic():
            owned = calls_take(c["key"] for c in answered)
            changes = Changes()
            credit_notes_finish(changes, [c for c in answered if c["key"] in owned], results)
            changes.flush()

    try:
        retry_on_lock_conflict(finish)
    except Exception:
        calls_release(c["key"] for c in answered)
        raise


def call_values(call: GatewayCall) -> dict[str, Any]:
    return {f.attname: getattr(call, f.attname) for f in GatewayCall._meta.concrete_fields}
