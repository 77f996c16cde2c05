"""Reactivating an expired or disabled subscription: a new period starting now, charged now."""

from __future__ import annotations

from django.db import transaction

from prorata.core.actor import Actor
from prorata.core.errors import Conflict, PaymentFailed
from prorata.core.periods import period
from prorata.core.transitions import DISABLED, EXPIRED, Event
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services.common import snapshot, subscription_lock
from prorata.tenants.selectors import default_payment_method, now_for

from ..models import Invoice, InvoiceKind, PaymentStatus
from .invoices import invoice_issue_period
from .lifecycle import _transition, next_action_at_for
from .payments import invoice_collect


def subscription_reactivate(*, actor: Actor, subscription_id: str) -> Subscription:
    """Bring an expired or disabled subscription back: a new period from now, invoiced and charged.

    The billing anchor moves to now, so later periods renew on this day. Recurring billing is
    turned on and any cancellation facts are cleared. A declined charge or no payment method
    changes nothing (`card_declined`, `payment_method_required`); other statuses →
    `cannot_reactivate`.
    """
    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        if sub.status not in (EXPIRED, DISABLED):
            raise Conflict("cannot_reactivate", status=sub.status, details={"status": sub.status})
        if default_payment_method(sub.tenant) is None:
            raise PaymentFailed("payment_method_required")
        at = now_for(sub.tenant)
        before = snapshot(sub)
        start, end = period(at, sub.plan.interval, 0, sub.tenant.timezone)  # type: ignore[arg-type]
        if Invoice.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk, kind=InvoiceKind.PERIOD, period_start=start).exists():
            # A period of this subscription already started at this very instant (its credit may
            # be given back already); one period invoice per (subscription, period start), ever.
            raise Conflict("reactivate_later", status=sub.status, details={"status": sub.status, "period_start": start.isoformat()})
        sub.billing_anchor = at
        sub.current_period_start, sub.current_period_end = start, end
        sub.recurring_billing = True
        sub.canceled_at = None
        sub.canceled_by = ""
        sub.cancel_reason = ""
        sub.cancel_feedback = ""
        sub.cancel_assisted = False
        sub.payment_attempts = 0
        invoice = invoice_issue_period(actor=actor, subscription=sub, period_start=start, period_end=end, at=at)
        payment = invoice_collect(actor=actor, invoice=invoice, at=at)
        if payment is not None and payment.status != PaymentStatus.SUCCEEDED:
            raise PaymentFailed(payment.failure_code or "card_declined", details={"invoice_amount": invoice.total})
        _transition(actor, sub, Event.REACTIVATED, at, before)
        sub.next_action_at = next_action_at_for(sub)
        sub.save()
    return sub
