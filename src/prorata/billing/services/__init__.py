"""Billing services: invoices, payments, charges (processor calls), credit notes and settlement.

Split by use case; import the public names from here. Billing never calls back into the
subscriptions package: subscriptions' services plan with billing.domain and write through these.
"""

from .charges import (
    call_find,
    call_record,
    call_redo,
    calls_claim_stale,
    calls_in_flight,
    calls_in_flight_notes,
    calls_make,
    calls_release,
    calls_take,
)
from .credit_notes import credit_note_add
from .invoices import (
    IssuedInvoice,
    TenantCredit,
    credit_give_back,
    existing_invoice,
    invoice_close,
    invoice_issue,
    invoice_paid,
    payment_record,
    payment_snapshot,
    tenant_credits,
    tenants_lock,
    transfer_key,
    transfer_record,
)
from .manual_credit import tenant_credit_add
from .settlement import (
    actor_from_json,
    call_values,
    credit_notes_complete,
    credit_notes_finish,
    credit_notes_prepare,
    credit_notes_settle_now,
)

__all__ = [
    "tenant_credit_add",
    "IssuedInvoice", "TenantCredit", "actor_from_json", "call_find", "call_record", "call_redo", "call_values",
    "calls_claim_stale", "calls_in_flight", "calls_in_flight_notes", "calls_make", "calls_release", "calls_take",
    "credit_give_back", "credit_note_add", "credit_notes_complete", "credit_notes_finish", "credit_notes_prepare",
    "credit_notes_settle_now", "existing_invoice", "invoice_close", "invoice_issue", "invoice_paid", "payment_record",
    "payment_snapshot", "tenant_credits", "tenants_lock", "transfer_key", "transfer_record",
]
