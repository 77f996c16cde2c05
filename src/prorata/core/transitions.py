"""The subscription status machine, SPEC §3, as data: the vocabulary billing, subscriptions and
licenses share (a renewal planner decides status changes with it as much as a cancel does).

Every status change in Prorata asks `next_status(current, event)`; anything not in the table
is refused with `invalid_transition`, so no code path can invent a transition of its own.
"""

from __future__ import annotations

from prorata.core.errors import Conflict

TRIALING = "trialing"
ACTIVE = "active"
PAST_DUE = "past_due"
EXPIRED = "expired"
DISABLED = "disabled"
DELETED = "deleted"

STATUSES = (TRIALING, ACTIVE, PAST_DUE, EXPIRED, DISABLED, DELETED)

# Users hold a working license in these statuses (SPEC §3 "Statuses").
ENTITLED = frozenset({TRIALING, ACTIVE, PAST_DUE, EXPIRED})
# Statuses in which a license may be assigned to a user.
ASSIGNABLE = frozenset({TRIALING, ACTIVE, PAST_DUE})


class Event:
    """The events of the table. Each names what happened, not the resulting status."""

    # trial ends with a payment method and recurring billing on, and the first charge succeeds
    TRIAL_CONVERTED = "trial_converted"
    # trial ends with a payment method and recurring billing on, and the first charge fails
    TRIAL_CONVERSION_FAILED = "trial_conversion_failed"
    # trial ends in any other way (no payment method, recurring billing off, cancelled)
    TRIAL_EXPIRED = "trial_expired"
    RENEWAL_FAILED = "renewal_failed"
    # pay by invoice: the period's invoice is past its due date, unpaid
    INVOICE_OVERDUE = "invoice_overdue"
    # pay by invoice: the overdue invoice was paid by transfer, voided or written off by an operator
    OVERDUE_CLEARED = "overdue_cleared"
    RETRY_SUCCEEDED = "retry_succeeded"
    RETRIES_EXHAUSTED = "retries_exhausted"
    # the period ends while recurring billing is off
    PERIOD_ENDED = "period_ended"
    CANCELLED = "cancelled"
    GRACE_ENDED = "grace_ended"
    DISABLED_ENDED = "disabled_ended"
    # reactivation whose charge succeeded
    REACTIVATED = "reactivated"


EVENTS = tuple(v for k, v in vars(Event).items() if k.isupper())

TRANSITIONS: dict[tuple[str, str], str] = {
    (TRIALING, Event.TRIAL_CONVERTED): ACTIVE,
    (TRIALING, Event.TRIAL_CONVERSION_FAILED): PAST_DUE,
    (TRIALING, Event.TRIAL_EXPIRED): EXPIRED,
    (ACTIVE, Event.RENEWAL_FAILED): PAST_DUE,
    (PAST_DUE, Event.RETRY_SUCCEEDED): ACTIVE,
    (ACTIVE, Event.INVOICE_OVERDUE): PAST_DUE,
    (PAST_DUE, Event.OVERDUE_CLEARED): ACTIVE,
    (PAST_DUE, Event.RETRIES_EXHAUSTED): EXPIRED,
    (ACTIVE, Event.PERIOD_ENDED): EXPIRED,
    (ACTIVE, Event.CANCELLED): DISABLED,
    (PAST_DUE, Event.CANCELLED): DISABLED,
    (EXPIRED, Event.GRACE_ENDED): DISABLED,
    (DISABLED, Event.DISABLED_ENDED): DELETED,
    (EXPIRED, Event.REACTIVATED): ACTIVE,
    (DISABLED, Event.REACTIVATED): ACTIVE,
}


class InvalidTransition(Conflict):
    default_code = "invalid_transition"


def next_status(current: str, event: str) -> str:
    """The status after `event` happens to a subscription in `current`, or `invalid_transition`."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise InvalidTransition(
            "invalid_transition",
            details={"from_status": current, "event": event},
            status=current,
            event=event,
        ) from None


def can_transition(current: str, event: str) -> bool:
    return (current, event) in TRANSITIONS


def is_entitled(status: str) -> bool:
    return status in ENTITLED
