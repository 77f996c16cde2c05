"""Cancellation: the decision (read) and the cancel itself (write), SPEC §2."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from prorata.core.actor import Actor
from prorata.core.errors import Conflict, InvalidInput, NotFound
from prorata.core.transitions import TRIALING, Event
from prorata.platform.writer import Changes
from prorata.tenants.selectors import default_payment_method, now_for, now_for_loaded

from ..display import decision_params
from ..domain.cancellation import Decision, decide
from ..models import Subscription
from ..reasons import CANCEL_REASONS
from ..selectors import (
    cancel_policy_of,
    cancellation_facts,
    period_paid,
    subscription_for_decision,
)
from .common import (
    ensure_no_payment_in_progress,
    snapshot,
    subscription_lock,
    subscription_transition,
)
from .outcomes import next_action_at

if TYPE_CHECKING:
    from prorata.billing.models import Invoice

MAX_FEEDBACK = 2000


def _assigned(subscription: Subscription) -> int:
    from prorata.licenses.selectors import assigned_count

    return assigned_count(subscription)


def _decide(subscription: Subscription, *, now: datetime, assisted: bool) -> tuple[Decision, Invoice | None]:
    invoice, paid = period_paid(subscription)
    # Read with the subscription by subscription_for_decision; counted here otherwise.
    assigned = getattr(subscription, "assigned_licenses", None)
    has_card = getattr(subscription, "has_default_card", None)
    facts = cancellation_facts(
        subscription,
        assigned=_assigned(subscription) if assigned is None else int(assigned),
        has_payment_method=(default_payment_method(subscription.tenant) is not None) if has_card is None else bool(has_card),
        paid=paid,
    )
    return decide(facts, cancel_policy_of(subscription), now=now, assisted=assisted), invoice


def subscription_cancellation_decision(
    *, actor: Actor, subscription_id: str, assisted: bool = False, callback_request_id: str | None = None
) -> Decision:
    """What cancelling now would do (or why it cannot be done). Changes nothing.

    `assisted` (waiving the online license limit) is honoured only for vendor staff. Naming an
    open callback request for this subscription previews the assisted cancellation that
    `subscription_cancel` would make with it.
    """
    sub = subscription_for_decision(actor=actor, subscription_id=subscription_id)
    if callback_request_id:
        assisted = _callback_for_assist(actor, sub, callback_request_id, lock=False) is not None
    decision, _invoice = _decide(sub, now=now_for_loaded(sub.tenant), assisted=assisted and actor.is_staff)
    return decision


def _validate(reason: str, feedback: str) -> tuple[str, str]:
    reason = (reason or "").strip()
    if reason and reason not in CANCEL_REASONS:
        raise InvalidInput(
            "invalid_cancel_reason", field="reason", value=reason, choices=", ".join(CANCEL_REASONS),
            details={"choices": list(CANCEL_REASONS)},
        )
    feedback = (feedback or "").strip()
    if len(feedback) > MAX_FEEDBACK:
        raise InvalidInput("feedback_too_long", field="feedback", max=MAX_FEEDBACK, details={"max": MAX_FEEDBACK})
    return reason, feedback


def _callback_for_assist(actor: Actor, sub: Subscription, callback_request_id: str | None, *, lock: bool = True):
    """The open callback request that lets staff cancel on the customer's behalf, locked; or None.

    Only vendor staff (an operator key or a support engineer) can waive the limit: from anyone
    else the callback request is ignored and the ordinary online rules apply.
    """
    from prorata.support.models import CallbackRequest, CallbackStatus

    if not callback_request_id or not actor.is_staff:
        return None
    requests = CallbackRequest.objects.filter(pk=callback_request_id, tenant_id=sub.tenant_id)
    request = (requests.select_for_update(no_key=True) if lock else requests).first()
    if request is None:
        raise NotFound("not_found", object="callback_request", id=callback_request_id)
    if request.subscription_id != sub.pk:
        raise Conflict("callback_request_other_subscription", details={"callback_request": request.pk})
    if request.status not in (CallbackStatus.OPEN, CallbackStatus.IN_PROGRESS):
        raise Conflict("callback_request_not_open", details={"callback_request": request.pk, "status": request.status})
    return request


def subscription_cancel(
    *,
    actor: Actor,
    subscription_id: str,
    reason: str = "",
    feedback: str = "",
    callback_request_id: str | None = None,
):
    """Cancel now, if the decision allows it; returns (subscription, credit note or None).

    The decision is recomputed inside the transaction, after locking the subscription row, so a
    license assigned a moment ago counts. A refused cancel raises Conflict with the decision's
    code and the whole decision in `details`.

    - paid (active, past due): status -> disabled; a credit note for exactly the unused part of
      what the current period's invoice charged (none when that is 0), settled per the plan.
    - trial with a payment method: stays a trial with recurring billing off, so at its end it
      expires instead of converting; nothing is charged and nothing is credited.
    """
    from prorata.billing.models import CreditNote
    from prorata.billing.services import credit_note_add, credit_notes_settle_now

    reason, feedback = _validate(reason, feedback)
    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        ensure_no_payment_in_progress(sub)
        now = now_for(sub.tenant)
        callback = _callback_for_assist(actor, sub, callback_request_id)
        assisted = callback is not None
        decision, invoice = _decide(sub, now=now, assisted=assisted)
        if not decision.allowed:
            raise Conflict(decision.code, details=decision.as_dict(), **decision_params(decision))

        before = snapshot(sub, decision.assigned_licenses)
        if sub.status != TRIALING:
            subscription_transition(actor=actor, subscription=sub, event=Event.CANCELLED, at=now)
        # A trial stays a trial: with recurring billing off, the trial's end expires it (R2).
        sub.recurring_billing = False
        sub.canceled_at = now
        sub.canceled_by = actor.ref
        sub.cancel_reason = reason
        sub.cancel_feedback = feedback
        sub.cancel_assisted = assisted
        # A scheduled plan change and an accepted discount end with the subscription.
        sub.scheduled_plan, sub.scheduled_quantity, sub.scheduled_at = None, None, None
        sub.discount_percent, sub.discount_periods_left = 0, 0
        # Trial: its end (it expires then). Disabled: canceled_at + disabled_days (deletion).
        sub.next_action_at = next_action_at(sub)
        sub.save()

        changes = Changes()
        amount = decision.refund_preview.amount if decision.refund_preview else 0
        note = None
        if amount > 0 and invoice is not None:
            note = credit_note_add(
                changes, actor=actor, tenant_id=sub.tenant_id, subscription_id=sub.pk, invoice_id=invoice.pk,
                currency=invoice.currency, amount=amount, reason="cancellation_proration",
                mode=sub.plan.credit_settlement, at=now, settles_on=sub.current_period_end,
            )
        changes.audit(
            actor=actor, action="subscription.cancelled", object_type="subscription", object_id=sub.pk,
            tenant_id=sub.tenant_id, at=now, before=before, after=snapshot(sub, decision.assigned_licenses),
            details={
                "assisted": assisted,
                "callback_request": callback.pk if callback is not None else None,
                "assigned_licenses": decision.assigned_licenses,
                "credit_note": note["id"] if note is not None else None,
                "credit_amount": amount,
                "reason": reason,
            },
        )
        changes.flush()
        if callback is not None:
            from prorata.support.services import callback_request_close_after_cancel

            callback_request_close_after_cancel(actor=actor, request=callback, at=now)
    credit_note = None
    if note is not None:
        if note["settles_on"] == note["created_at"]:
            credit_notes_settle_now([note["id"]], actor=actor)
        credit_note = CreditNote.objects.get(pk=note["id"])
    return sub, credit_note
