"""Which audit actions are webhook events: every change of state a vendor's integration follows.

The event type is the audit action itself (`subscription.cancelled`, `invoice.paid`, ...), so
the audit log and the webhook stream can never disagree on what happened.
"""

from __future__ import annotations

EVENT_TYPES: tuple[str, ...] = (
    "subscription.created",
    "subscription.trial_converted",
    "subscription.trial_expired",
    "subscription.renewed",
    "subscription.past_due",
    "subscription.cancelled",
    "subscription.reactivated",
    "subscription.expired",
    "subscription.disabled",
    "subscription.deleted",
    "subscription.updated",
    "license.assigned",
    "license.removed",
    "invoice.issued",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_recorded",
    "invoice.overdue",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "credit_note.created",
    "credit_note.settled",
    "refund.created",
    "callback_request.created",
    "callback_request.claimed",
    "callback_request.resolved",
)
ALL = "*"
_TYPES = frozenset(EVENT_TYPES)


def is_event_type(action: str) -> bool:
    return action in _TYPES


def subscribed(filters: list[str], event_type: str) -> bool:
    """Whether an endpoint listening for `filters` receives `event_type`."""
    return ALL in filters or event_type in filters


def unknown_filters(filters: list[str]) -> list[str]:
    """The entries of an endpoint's `events` that name no event type."""
    return [f for f in filters if f != ALL and f not in _TYPES]
