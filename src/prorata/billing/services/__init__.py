"""Billing services: every write of invoices, payments, credit notes, refunds and renewals.

Split by use case; import the public names from here.
"""

from .credit_notes import credit_note_create
from .invoices import invoice_issue_period, invoice_issue_proration, paid_for_period
from .lifecycle import next_action_at_for, subscription_process_due
from .payments import invoice_collect
from .reactivation import subscription_reactivate
from .seats import subscription_change_quantity
from .settlement import credit_note_settle

__all__ = [
    "credit_note_create",
    "credit_note_settle",
    "invoice_collect",
    "invoice_issue_period",
    "invoice_issue_proration",
    "next_action_at_for",
    "paid_for_period",
    "subscription_change_quantity",
    "subscription_process_due",
    "subscription_reactivate",
]
