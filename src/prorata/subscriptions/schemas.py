"""API input and output of subscriptions and the cancellation decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from prorata.schemas import StrictIn

from .domain.cancellation import Decision
from .models import Subscription


class SubscriptionIn(StrictIn):
    tenant: str = Field(description="The tenant's id.")
    plan: str = Field(description="The plan's id.")
    quantity: StrictInt = Field(description="Licenses to buy, at least 1.")
    trial: StrictBool = Field(default=False, description="Start with the plan's free trial.")


class QuantityIn(StrictIn):
    # Strict: "3" or 3.0 is not a number of licenses.
    quantity: StrictInt


class ChangePlanIn(StrictIn):
    plan: str = Field(description="The new plan's id: of the same product, or of a product of the same family.")
    quantity: StrictInt | None = Field(default=None, description="Licenses on the new plan; default: as now.")
    at: str = Field(default="now", description="`now` (an upgrade: prorated and charged at once) or "
                    "`period_end` (a downgrade or a new interval: scheduled for the end of the current period).")


class ChangeLineOut(Schema):
    kind: str
    quantity: int
    unit_amount: int
    amount: int


class PlanChangePreviewOut(Schema):
    subscription: str
    plan: str
    quantity: int
    at: str
    effective_at: datetime
    amount: int = Field(description="Charged now (for `now`); 0 for a scheduled change.")
    currency: str
    lines: list[ChangeLineOut]
    next_invoice_amount: int | None = Field(description="For `period_end`: the renewal on the new plan.")


class RetentionOfferOut(Schema):
    id: str
    subscription: str
    kind: str = Field(description="`discount` (percent off the next periods) or `move` (to a cheaper plan).")
    percent: int
    periods: int
    move_plan: str | None
    outcome: str = Field(description="`shown`, `accepted` or `declined`.")
    shown_at: datetime


class RetentionAnswerIn(StrictIn):
    offer: str = Field(default="", description="The offer's id (from POST …/retention_offer).")


def retention_offer_out(offer: Any) -> dict[str, Any]:
    return {"id": offer.pk, "subscription": offer.subscription_id, "kind": offer.kind, "percent": offer.percent,
            "periods": offer.periods, "move_plan": offer.move_plan_id, "outcome": offer.outcome,
            "shown_at": offer.shown_at}


class RecurringBillingIn(StrictIn):
    enabled: StrictBool


class CancelIn(StrictIn):
    reason: str = Field(default="", description="One of the cancellation reason codes.")
    feedback: str = Field(default="", description="Free text, kept with the cancellation.")
    callback_request: str | None = Field(
        default=None,
        description="With an operator key: an open or in-progress callback request for this "
        "subscription, to cancel on the customer's behalf (waives the online license limit).",
    )


class ScheduledChangeOut(Schema):
    plan: str
    quantity: int
    effective_at: datetime


class DiscountOut(Schema):
    percent: int
    periods_left: int


class SubscriptionOut(Schema):
    id: str
    tenant: str
    plan: str
    product: str
    status: str
    quantity: int
    assigned_licenses: int
    recurring_billing: bool
    currency: str
    trial_end: datetime | None
    current_period_start: datetime
    current_period_end: datetime
    canceled_at: datetime | None
    cancel_reason: str
    cancel_assisted: bool
    scheduled_change: ScheduledChangeOut | None = None
    discount: DiscountOut | None = None
    created_at: datetime


class SubscriptionPage(Schema):
    data: list[SubscriptionOut]
    has_more: bool


class RefundPreviewOut(Schema):
    amount: int
    currency: str
    settles_on: datetime | None


class DecisionOut(Schema):
    outcome: str = Field(description="`allowed`, `blocked` or `nothing_to_cancel`.")
    code: str
    message: str
    assigned_licenses: int
    max_assigned_for_online_cancel: int | None
    users_to_remove: int
    options: list[str]
    refund_preview: RefundPreviewOut | None
    assisted: bool


class CreditNoteBrief(Schema):
    id: str
    number: str
    amount: int
    currency: str
    reason: str
    status: str
    settles_on: datetime


class CancelOut(Schema):
    subscription: SubscriptionOut
    credit_note: CreditNoteBrief | None


class PreviewCardOut(Schema):
    id: str
    brand: str
    last4: str


class MoneyPreviewOut(Schema):
    """What the action would do now; nothing is changed by asking."""

    action: str = Field(description="`quantity` or `reactivate`.")
    kind: str = Field(description="`charge`: the card is charged `amount` at `at`; `credit`: a credit note of "
                      "`amount` is returned by `at`; `none`: nothing is charged or credited.")
    amount: int = Field(description="Minor units: the charge (after credit applied) or the credit.")
    currency: str
    at: datetime = Field(description="When the charge is made, or by when the credit is returned.")
    subtotal: int = Field(description="A charge before the tenant's credit is applied.")
    credit_applied: int = Field(description="The tenant's credit the charge takes.")
    payment_method: PreviewCardOut | None = Field(description="The card charged, or the one a credit is refunded to.")
    quantity_before: int
    quantity_after: int
    period_start: datetime | None
    period_end: datetime | None


class CancelReasonOut(Schema):
    code: str
    label: str


def subscription_out(sub: Subscription, assigned: int | None = None) -> dict[str, Any]:
    """The subscription's API shape (SPEC §9). `assigned` overrides the annotated count."""
    if assigned is None:
        assigned = getattr(sub, "assigned_licenses", None)
    if assigned is None:
        from prorata.licenses.selectors import assigned_count

        assigned = assigned_count(sub)
    return {
        "id": sub.pk, "tenant": sub.tenant_id, "plan": sub.plan_id, "product": sub.plan.product_id,
        "status": sub.status, "quantity": sub.quantity, "assigned_licenses": assigned,
        "recurring_billing": sub.recurring_billing, "currency": sub.plan.currency,
        "trial_end": sub.trial_end, "current_period_start": sub.current_period_start,
        "current_period_end": sub.current_period_end, "canceled_at": sub.canceled_at,
        "cancel_reason": sub.cancel_reason, "cancel_assisted": sub.cancel_assisted,
        "scheduled_change": None if not sub.scheduled_plan_id else {
            "plan": sub.scheduled_plan_id, "quantity": sub.scheduled_quantity or sub.quantity,
            "effective_at": sub.current_period_end},
        "discount": None if not sub.discount_periods_left else {
            "percent": sub.discount_percent, "periods_left": sub.discount_periods_left},
        "created_at": sub.created_at,
    }


def plan_change_preview_out(preview: Any) -> dict[str, Any]:
    return {
        "subscription": preview.subscription.pk, "plan": preview.plan.pk, "quantity": preview.quantity,
        "at": preview.at, "effective_at": preview.effective_at, "amount": preview.amount,
        "currency": preview.currency, "lines": preview.lines, "next_invoice_amount": preview.next_invoice_amount,
    }


def decision_out(decision: Decision, message: str) -> dict[str, Any]:
    data = decision.as_dict()
    data.pop("params", None)
    return {**data, "message": message}


def credit_note_brief(note: Any) -> dict[str, Any] | None:
    if note is None:
        return None
    return {
        "id": note.pk, "number": note.number, "amount": note.amount, "currency": note.currency,
        "reason": note.reason, "status": note.status, "settles_on": note.settles_on,
    }


class InvoicePaymentIn(StrictIn):
    amount: StrictInt = Field(description="Minor units of the invoice's currency received by bank transfer; "
                                    "at most what is still owed.")
    reference: str = Field(description="The bank's reference of the transfer (one payment per reference).")


class InvoiceActionPreviewOut(Schema):
    """What an operator's action on an invoice would do; nothing is changed by asking."""

    action: str = Field(description="`payment`, `void` or `mark_uncollectible`.")
    invoice: str
    number: str
    currency: str
    amount: int = Field(description="Minor units: the transfer recorded, or what is left unpaid and closed.")
    amount_due_before: int
    amount_due_after: int
    credit_returned: int = Field(description="Credit the invoice had taken, returned to the tenant's credit balance.")
    status_after: str
