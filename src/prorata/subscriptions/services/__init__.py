"""Every write on subscriptions — the whole subscription lifecycle — split by use case. Import from here."""

from .billing_work import batch_charge, batch_finish, batch_prepare
from .cancel import subscription_cancel, subscription_cancellation_decision
from .common import subscription_lock, subscription_transition
from .invoices import (
    InvoicePreview,
    invoice_close_preview,
    invoice_mark_uncollectible,
    invoice_payment_preview,
    invoice_payment_record,
    invoice_void,
)
from .plan_change import (
    subscription_cancel_plan_change,
    subscription_change_plan,
    subscription_plan_change_preview,
)
from .preview import MoneyPreview, quantity_change_preview, reactivation_preview
from .purchase import subscription_purchase
from .quantity import subscription_change_quantity
from .reactivate import subscription_reactivate
from .reconcile import payments_reconcile
from .recurring import subscription_set_recurring_billing
from .retention import (
    cancel_attempt_record,
    retention_offer_accept,
    retention_offer_decline,
    retention_offer_show,
)

__all__ = [
    "InvoicePreview",
    "invoice_close_preview",
    "invoice_mark_uncollectible",
    "invoice_payment_preview",
    "invoice_payment_record",
    "invoice_void",
    "cancel_attempt_record",
    "retention_offer_accept",
    "retention_offer_decline",
    "retention_offer_show",
    "MoneyPreview",
    "batch_charge",
    "batch_finish",
    "batch_prepare",
    "payments_reconcile",
    "quantity_change_preview",
    "reactivation_preview",
    "subscription_cancel",
    "subscription_cancel_plan_change",
    "subscription_cancellation_decision",
    "subscription_change_plan",
    "subscription_change_quantity",
    "subscription_lock",
    "subscription_plan_change_preview",
    "subscription_purchase",
    "subscription_reactivate",
    "subscription_set_recurring_billing",
    "subscription_transition",
]
