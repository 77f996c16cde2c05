"""Which notices exist, which event makes which, who receives them, and when timed ones fall due.

Pure rules: no Django. A notice is one e-mail of one kind to one address about one source (an
event, or for time-driven notices a fact with its date, such as a trial's end), and the
database keeps it unique by (tenant, source, recipient, kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Kinds, in the order the admin center lists them.
TRIAL_ENDING_7D = "trial_ending_7d"
TRIAL_ENDING_1D = "trial_ending_1d"
RECEIPT = "receipt"
PAYMENT_FAILED = "payment_failed"
PAYMENT_METHOD_EXPIRING = "payment_method_expiring"
PAST_DUE = "past_due"
EXPIRED = "expired"
DISABLED = "disabled"
DELETION_SOON = "deletion_soon"
CANCELLED = "cancelled"
CREDIT_SETTLED = "credit_settled"
REFUND_SENT = "refund_sent"
SEATS_CHANGED = "seats_changed"
LICENSE_ASSIGNED = "license_assigned"
CALLBACK_RECEIVED = "callback_received"
CALLBACK_CLAIMED = "callback_claimed"
CALLBACK_RESOLVED = "callback_resolved"

KINDS: tuple[str, ...] = (
    TRIAL_ENDING_7D, TRIAL_ENDING_1D, RECEIPT, PAYMENT_FAILED, PAYMENT_METHOD_EXPIRING, PAST_DUE, EXPIRED,
    DISABLED, DELETION_SOON, CANCELLED, CREDIT_SETTLED, REFUND_SENT, SEATS_CHANGED, LICENSE_ASSIGNED,
    CALLBACK_RECEIVED, CALLBACK_CLAIMED, CALLBACK_RESOLVED,
)

# A tenant may mute these; the others tell of money or of losing service and are always sent.
OPTIONAL: frozenset[str] = frozenset({
    TRIAL_ENDING_7D, SEATS_CHANGED, LICENSE_ASSIGNED, CALLBACK_RECEIVED, CALLBACK_CLAIMED, CALLBACK_RESOLVED,
})

# Event type → notice kind. Events not listed send no e-mail (a renewal or a conversion is told
# by its receipt, so a customer never gets "renewed" beside "payment failed" for one boundary).
EVENT_KINDS: dict[str, str] = {
    "invoice.paid": RECEIPT,
    "invoice.payment_failed": PAYMENT_FAILED,
    "subscription.past_due": PAST_DUE,
    "subscription.trial_expired": EXPIRED,
    "subscription.expired": EXPIRED,
    "subscription.disabled": DISABLED,
    "subscription.cancelled": CANCELLED,
    "credit_note.settled": CREDIT_SETTLED,
    "refund.created": REFUND_SENT,
    "subscription.updated": SEATS_CHANGED,
    "license.assigned": LICENSE_ASSIGNED,
    "callback_request.created": CALLBACK_RECEIVED,
    "callback_request.claimed": CALLBACK_CLAIMED,
    "callback_request.resolved": CALLBACK_RESOLVED,
}

# Who receives a kind: the tenant's billing recipients, or one person named by the object.
TO_LICENSEE = frozenset({LICENSE_ASSIGNED})
TO_REQUESTER = frozenset({CALLBACK_RECEIVED, CALLBACK_CLAIMED, CALLBACK_RESOLVED})

TRIAL_NOTICE_BEFORE: dict[str, timedelta] = {TRIAL_ENDING_7D: timedelta(days=7), TRIAL_ENDING_1D: timedelta(days=1)}
DELETION_NOTICE_BEFORE = timedelta(days=7)
PAYMENT_METHOD_NOTICE_BEFORE = timedelta(days=30)


def kind_for_event(event_type: str, details: dict | None = None) -> str | None:
    """The notice kind an event makes, or None. `subscription.updated` is a notice only when
    the number of seats changed (recurring billing toggles are shown on the page that made them)."""
    kind = EVENT_KINDS.get(event_type)
    if kind == SEATS_CHANGED:
        facts = (details or {}).get("quantity_before"), (details or {}).get("quantity_after")
        if facts[0] is None or facts[0] == facts[1]:
            return None
    return kind


def is_muted(kind: str, muted: list[str] | tuple[str, ...] | frozenset[str]) -> bool:
    return kind in OPTIONAL and kind in muted


def unknown_kinds(kinds: list[str]) -> list[str]:
    return [k for k in kinds if k not in KINDS]


def not_mutable(kinds: list[str]) -> list[str]:
    return [k for k in kinds if k in KINDS and k not in OPTIONAL]


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    language: str


def language_of(user_language: str, tenant_language: str) -> str:
    """The recipient's language, else the tenant's."""
    return user_language or tenant_language or "en"


def billing_recipients(
    *, admins: list[tuple[str, str, str]], global_admins: bool, billing_admins: bool, extra: list[str],
    tenant_language: str,
) -> list[Recipient]:
    """The addresses a tenant's billing notices go to, each once (first occurrence wins).

    `admins` are (email, role, language) of the tenant's active admins; extra addresses get the
    tenant's language.
    """
    chosen: dict[str, Recipient] = {}
    for email, role, language in admins:
        if (role == "global_admin" and global_admins) or (role == "billing_admin" and billing_admins):
            chosen.setdefault(email.lower(), Recipient(email.lower(), language_of(language, tenant_language)))
    for email in extra:
        chosen.setdefault(email.lower(), Recipient(email.lower(), tenant_language or "en"))
    return list(chosen.values())


def trial_notices_due(trial_end: datetime, as_of: datetime) -> list[tuple[str, datetime]]:
    """(kind, the instant it fell due) of every trial-ending notice due by `as_of`."""
    due = []
    for kind, before in TRIAL_NOTICE_BEFORE.items():
        at = trial_end - before
        if at <= as_of:
            due.append((kind, at))
    return due


def trial_source(subscription_id: str, trial_end: datetime) -> str:
    """The source of a subscription's trial-ending notices: one set per trial end, ever."""
    return f"trial:{subscription_id}:{trial_end.strftime('%Y%m%dT%H%M%S')}"


def deletion_source(subscription_id: str, disabled_at: datetime) -> str:
    return f"deletion:{subscription_id}:{disabled_at.strftime('%Y%m%dT%H%M%S')}"


def card_expiry(exp_month: int, exp_year: int) -> tuple[int, int]:
    """The first month after the card's last valid month, as (year, month)."""
    return (exp_year + 1, 1) if exp_month == 12 else (exp_year, exp_month + 1)


def card_source(payment_method_id: str) -> str:
    """A card's expiry never changes (a new card is a new payment method): one notice per card."""
    return f"card:{payment_method_id}"


# -- retries of a failed send ---------------------------------------------------------------

FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
RETRY_FOR = timedelta(days=2)


def delay_after(failures: int) -> timedelta:
    """The wait after the `failures`-th failed attempt: 30 s, 1 m, 2 m, … then every hour."""
    if failures < 1:
        raise ValueError("failures starts at 1")
    return min(FIRST_DELAY * (2 ** min(failures - 1, 20)), MAX_DELAY)


def next_attempt_at(queued_at: datetime, failed_at: datetime, failures: int) -> datetime | None:
    """When to try again, or None once two days of trying are over (the notice is failed)."""
    candidate = failed_at + delay_after(failures)
    if candidate > queued_at + RETRY_FOR:
        return None
    return candidate
