"""Billing work on one subscription as time passes: trial end, renewal, collection and dunning,
period end, grace end, disabled end. Called by the billing pass with the subscription locked.

Every step re-reads the facts under the lock and is keyed by business facts (one invoice per
(subscription, period_start); attempts counted from Payment rows), so a pass that runs twice
or crashes half-way never does anything twice.
"""

from __future__ import annotations

from datetime import datetime

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.periods import boundary, period_index_at
from prorata.core.transitions import ACTIVE, PAST_DUE, Event
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services.common import snapshot, subscription_transition

from ..domain.schedule import (
    COLLECT,
    DISABLED_END,
    GRACE_END,
    PERIOD_END,
    RENEW,
    TRIAL_END,
    Facts,
    Policy,
    Work,
    next_work,
    retries_exhausted,
)
from ..models import Invoice, InvoiceKind, InvoiceStatus, PaymentStatus
from .invoices import invoice_issue_period
from .payments import invoice_collect

AUDIT_ACTIONS = {
    Event.TRIAL_CONVERTED: "subscription.trial_converted",
    Event.TRIAL_CONVERSION_FAILED: "subscription.past_due",
    Event.TRIAL_EXPIRED: "subscription.trial_expired",
    Event.RENEWAL_FAILED: "subscription.past_due",
    Event.RETRY_SUCCEEDED: "subscription.renewed",
    Event.RETRIES_EXHAUSTED: "subscription.expired",
    Event.PERIOD_ENDED: "subscription.expired",
    Event.GRACE_ENDED: "subscription.disabled",
    Event.DISABLED_ENDED: "subscription.deleted",
    Event.REACTIVATED: "subscription.reactivated",
}


def current_invoice(sub: Subscription) -> Invoice | None:
    return Invoice.objects.filter(
        tenant_id=sub.tenant_id, subscription_id=sub.pk, period_start=sub.current_period_start, kind=InvoiceKind.PERIOD
    ).first()


def facts_of(sub: Subscription, invoice_open: bool) -> Facts:
    return Facts(
        status=sub.status, recurring_billing=sub.recurring_billing,
        current_period_start=sub.current_period_start, current_period_end=sub.current_period_end,
        trial_end=sub.trial_end, status_changed_at=sub.status_changed_at, canceled_at=sub.canceled_at,
        payment_attempts=sub.payment_attempts, invoice_open=invoice_open,
    )


def policy_of(sub: Subscription) -> Policy:
    return Policy(grace_days=sub.plan.grace_days, disabled_days=sub.plan.disabled_days)


def work_of(sub: Subscription, invoice_open: bool | None = None) -> Work | None:
    """The subscription's next billing work from its facts (reads its invoice when not told)."""
    if invoice_open is None:
        invoice = current_invoice(sub) if sub.status in (ACTIVE, PAST_DUE) else None
        invoice_open = invoice is not None and invoice.status == InvoiceStatus.OPEN
    return next_work(facts_of(sub, invoice_open), policy_of(sub))


def next_action_at_for(subscription: Subscription) -> datetime | None:
    """When `subscription`'s next billing work falls due; store it in `next_action_at`.

    Every service that changes a subscription's status, period or recurring billing sets
    `next_action_at` from this, so that the billing pass finds the work.
    """
    work = work_of(subscription)
    return work.due if work else None


def _transition(actor: Actor, sub: Subscription, event: str, at: datetime, before: dict) -> None:
    subscription_transition(actor=actor, subscription=sub, event=event, at=at)
    _audit(actor, sub, AUDIT_ACTIONS[event], at, before)


def _audit(actor: Actor, sub: Subscription, action: str, at: datetime, before: dict) -> None:
    audit_record(
        actor=actor, action=action, object_type="subscription", object_id=sub.pk,
        tenant_id=sub.tenant_id, at=at, before=before, after=snapshot(sub),
    )


def _collect(actor: Actor, sub: Subscription, invoice: Invoice, at: datetime, before: dict, *, converting: bool = False) -> None:
    """Charge the period's invoice and move the subscription by the outcome."""
    payment = invoice_collect(actor=actor, invoice=invoice, at=at)
    succeeded = payment is None or payment.status == PaymentStatus.SUCCEEDED
    if succeeded:
        sub.payment_attempts = 0
        if converting:
            _transition(actor, sub, Event.TRIAL_CONVERTED, at, before)
        elif sub.status == PAST_DUE:
            _transition(actor, sub, Event.RETRY_SUCCEEDED, at, before)
        else:
            _audit(actor, sub, "subscription.renewed", at, before)
        return
    sub.payment_attempts += 1
    if converting:
        _transition(actor, sub, Event.TRIAL_CONVERSION_FAILED, at, before)
    elif sub.status == ACTIVE:
        _transition(actor, sub, Event.RENEWAL_FAILED, at, before)
    elif retries_exhausted(sub.payment_attempts):
        _transition(actor, sub, Event.RETRIES_EXHAUSTED, at, before)


def _start_period(sub: Subscription, start: datetime) -> None:
    """Move the subscription to the period of its anchor that starts at `start`."""
    tz = sub.tenant.timezone
    interval = sub.plan.interval
    n = period_index_at(sub.billing_anchor, interval, start, tz)  # type: ignore[arg-type]
    sub.current_period_start = boundary(sub.billing_anchor, interval, n, tz)  # type: ignore[arg-type]
    sub.current_period_end = boundary(sub.billing_anchor, interval, n + 1, tz)  # type: ignore[arg-type]


def subscription_process_due(*, actor: Actor, subscription: Subscription, work: Work, defer_collection: bool = False) -> None:
    """Do one piece of due work on a locked subscription, then schedule its next one.

    `defer_collection`: a renewal's invoice is issued now and charged just after this instant,
    once the tenant's credit notes settling at this instant have been applied to it (R6).
    """
    sub = subscription
    at = work.due
    before = snapshot(sub)
    if work.kind == TRIAL_END:
        from prorata.tenants.selectors import default_payment_method

        if sub.recurring_billing and sub.canceled_at is None and default_payment_method(sub.tenant) is not None:
            _start_period(sub, at)
            invoice = invoice_issue_period(
                actor=actor, subscription=sub, period_start=sub.current_period_start,
                period_end=sub.current_period_end, at=at,
            )
            sub.payment_attempts = 0
            _collect(actor, sub, invoice, at, before, converting=True)
        else:
            _transition(actor, sub, Event.TRIAL_EXPIRED, at, before)
    elif work.kind == RENEW:
        _start_period(sub, sub.current_period_end)
        invoice = invoice_issue_period(
            actor=actor, subscription=sub, period_start=sub.current_period_start,
            period_end=sub.current_period_end, at=at,
        )
        sub.payment_attempts = 0
        if not defer_collection:
            _collect(actor, sub, invoice, at, before)
    elif work.kind == COLLECT:
        invoice = current_invoice(sub)
        if invoice is not None and invoice.status == InvoiceStatus.PAID:
            # Paid in full by a credit note settled at the boundary: nothing left to charge.
            if sub.status == PAST_DUE:
                _transition(actor, sub, Event.RETRY_SUCCEEDED, at, before)
            else:
                _audit(actor, sub, "subscription.renewed", at, before)
        elif invoice is not None and invoice.status == InvoiceStatus.OPEN:
            if retries_exhausted(sub.payment_attempts) and sub.status == PAST_DUE:
                _transition(actor, sub, Event.RETRIES_EXHAUSTED, at, before)
            else:
                _collect(actor, sub, invoice, at, before)
    elif work.kind == PERIOD_END:
        _transition(actor, sub, Event.PERIOD_ENDED, at, before)
    elif work.kind == GRACE_END:
        _transition(actor, sub, Event.GRACE_ENDED, at, before)
    elif work.kind == DISABLED_END:
        _transition(actor, sub, Event.DISABLED_ENDED, at, before)
    sub.next_action_at = next_action_at_for(sub)
    sub.save()
