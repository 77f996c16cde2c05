"""What billing work a subscription has next, and when: a pure function of its facts and policy.

The billing pass selects subscriptions by `next_action_at` and asks `next_work` what to do.
Every kind of work is computed from stored facts (status, period, trial end, attempts, the
time of the last status change), so re-running a pass after a crash finds the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from prorata.core.clock import ensure_utc

# Kinds of work, in the order they run at one instant (see `PHASE`).
TRIAL_END = "trial_end"
RENEW = "renew"
COLLECT = "collect"
PERIOD_END = "period_end"
GRACE_END = "grace_end"
DISABLED_END = "disabled_end"

# Charge retries after a failed renewal or conversion, counted from the failed charge's
# invoice date: retried after 1, 3 and 5 days, then the subscription expires.
RETRY_DAYS: tuple[int, ...] = (1, 3, 5)

# Collection of an invoice issued at a boundary runs just after it, so that credit notes
# settling at that same boundary are applied to the invoice before it is charged (R6).
COLLECT_DELAY = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Facts:
    status: str
    recurring_billing: bool
    current_period_start: datetime
    current_period_end: datetime
    trial_end: datetime | None
    status_changed_at: datetime
    canceled_at: datetime | None
    # Charge attempts made on the current period's invoice; 0 when none is outstanding.
    payment_attempts: int
    # The current period's invoice is issued and not yet paid.
    invoice_open: bool
    # Pay by invoice: the open invoice's due date. Dunning counts from it instead of from the
    # issue date, and its first step is the due date passing unpaid.
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    grace_days: int = 30
    disabled_days: int = 90


@dataclass(frozen=True, slots=True)
class Work:
    kind: str
    due: datetime


def retry_due(invoice_date: datetime, attempts: int) -> datetime | None:
    """When attempt number attempts+1 is due, given `attempts` failed ones; None when exhausted."""
    if attempts < 1:
        return ensure_utc(invoice_date)
    if attempts > len(RETRY_DAYS):
        return None
    return ensure_utc(invoice_date) + timedelta(days=RETRY_DAYS[attempts - 1])


def retries_exhausted(attempts: int) -> bool:
    """True once the first charge and every retry have failed."""
    return attempts > len(RETRY_DAYS)


def next_work(facts: Facts, policy: Policy) -> Work | None:
    """The subscription's next piece of billing work, or None when nothing is scheduled."""
    status = facts.status
    if status == "trialing":
        return Work(TRIAL_END, ensure_utc(facts.trial_end or facts.current_period_end))
    if status in ("active", "past_due") and facts.invoice_open:
        if facts.due_at is not None:
            # A sent invoice: nothing to do until it is due; then the same steps as card retries,
            # counted from the due date (each one a reminder), then the subscription expires.
            base = ensure_utc(facts.due_at)
            if facts.payment_attempts == 0:
                return Work(COLLECT, base)
            return Work(COLLECT, retry_due(base, facts.payment_attempts) or base)
        if facts.payment_attempts == 0:
            return Work(COLLECT, ensure_utc(facts.current_period_start) + COLLECT_DELAY)
        due = retry_due(facts.current_period_start, facts.payment_attempts)
        if due is None:
            # Exhausted but not yet expired (crash between the charge and the transition).
            return Work(COLLECT, ensure_utc(facts.current_period_start))
        return Work(COLLECT, due)
    if status == "active":
        kind = RENEW if facts.recurring_billing and facts.canceled_at is None else PERIOD_END
        return Work(kind, ensure_utc(facts.current_period_end))
    if status == "expired":
        return Work(GRACE_END, ensure_utc(facts.status_changed_at) + timedelta(days=policy.grace_days))
    if status == "disabled":
        return Work(DISABLED_END, ensure_utc(facts.status_changed_at) + timedelta(days=policy.disabled_days))
    return None
