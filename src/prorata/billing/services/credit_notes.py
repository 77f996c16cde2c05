"""Credit notes: money owed back to a tenant for the unused part of a paid period (SPEC R6, §5)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.errors import InvalidInput
from prorata.subscriptions.models import Subscription

from ..models import CreditNote, CreditNoteReason, CreditNoteStatus, Invoice
from .common import CREDIT_NOTE_SEQUENCE, credit_note_snapshot, format_number, reserve_numbers

NEXT_BILLING_CYCLE = "next_billing_cycle"


def credit_note_create(*, actor: Actor, subscription: Subscription, invoice: Invoice, amount: int, reason: str, at: datetime) -> CreditNote:
    """A credit note of `amount` against `invoice`, settled per the plan's `credit_settlement`.

    `next_billing_cycle` (R6): pending until the subscription's current period end, when the
    billing pass settles it. `refund_now` and `keep_as_balance`: settled at `at`, in this same
    transaction.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InvalidInput("invalid_credit_amount", field="amount", value=amount)
    if reason not in CreditNoteReason.values:
        raise InvalidInput("invalid_request", details={"reason": reason})
    from .settlement import credit_note_settle

    with transaction.atomic():
        mode = subscription.plan.credit_settlement
        settles_on = subscription.current_period_end if mode == NEXT_BILLING_CYCLE else at
        number = format_number(CREDIT_NOTE_SEQUENCE, reserve_numbers(CREDIT_NOTE_SEQUENCE))
        note = CreditNote.objects.create(
            tenant_id=subscription.tenant_id, subscription=subscription, invoice=invoice, number=number,
            currency=invoice.currency, amount=amount, reason=reason, status=CreditNoteStatus.PENDING,
            settles_on=settles_on, created_at=at,
        )
        audit_record(
            actor=actor, action="credit_note.created", object_type="credit_note", object_id=note.pk,
            tenant_id=subscription.tenant_id, at=at, after=credit_note_snapshot(note),
        )
        if mode != NEXT_BILLING_CYCLE:
            note = credit_note_settle(actor=actor, credit_note=note, at=at)
    return note
