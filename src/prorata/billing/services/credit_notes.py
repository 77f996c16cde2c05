"""Credit notes: money owed back to a tenant for the unused part of a paid period (SPEC R6, §5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prorata.core.actor import Actor
from prorata.core.errors import InvalidInput
from prorata.core.ids import new_id
from prorata.platform.writer import CREDIT_NOTE_SEQUENCE, Changes

from ..models import CreditNote, CreditNoteReason
from ..schemas import credit_note_out

NEXT_BILLING_CYCLE = "next_billing_cycle"
KEEP_AS_BALANCE = "keep_as_balance"
REFUND_NOW = "refund_now"


def credit_note_add(
    changes: Changes, *, actor: Actor, tenant_id: str, subscription_id: str, invoice_id: str, currency: str,
    amount: int, reason: str, mode: str, at: datetime, settles_on: datetime,
) -> dict[str, Any]:
    """A credit note of `amount` against the invoice that paid, into the change's rows.

    `next_billing_cycle` (R6): pending until `settles_on` (the subscription's current period
    end), when the billing pass applies it to the invoices issued then and refunds the rest.
    `refund_now` and `keep_as_balance`: due at once (`at`); the caller settles it after its
    commit (`credit_notes_settle_now`), as a refund is a call to the processor.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InvalidInput("invalid_credit_amount", field="amount", value=amount)
    if reason not in CreditNoteReason.values:
        raise InvalidInput("invalid_request", details={"reason": reason})
    values = changes.insert(CreditNote, {
        "id": new_id("cn"), "tenant_id": tenant_id, "subscription_id": subscription_id, "invoice_id": invoice_id,
        "currency": currency, "amount": amount, "reason": reason, "status": "pending",
        "settles_on": settles_on if mode == NEXT_BILLING_CYCLE else at, "applied_amount": 0, "refunded_amount": 0,
        "settled_at": None, "created_at": at,
    }, number=CREDIT_NOTE_SEQUENCE)
    changes.audit(actor=actor, tenant_id=tenant_id, action="credit_note.created", object_type="credit_note",
                  object_id=values["id"], at=at, after=lambda: credit_note_out(values))
    return values
