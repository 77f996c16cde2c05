"""The cancellation decision, SPEC §2 (R1, R2, R3, R5, R6) and §4: a pure function of facts.

`decide(facts, policy, now=..., assisted=...)` answers whether a subscription may be cancelled
now, and if not, why and what the customer can do instead. The same answer drives the admin
center's Cancel page, `GET /subscriptions/{id}/cancellation` and the cancel service itself
(which recomputes it under a row lock, from fresh counts, before acting).

Order of the rules, most fundamental first:

1. already cancelled (disabled, deleted, or cancellation facts recorded) -> `already_cancelled`
2. expired -> nothing to cancel (`expired_nothing_to_cancel`): no charge is coming
3. trialing without a payment method -> nothing to cancel (R1, `trial_nothing_to_cancel`)
4. past the plan's cancel window -> blocked (`outside_cancel_window`); only recurring billing
   can be turned off
5. more assigned licenses than the plan allows online -> blocked (R3/R5, `too_many_licenses`),
   unless the cancellation is assisted by a support engineer working a callback request
6. otherwise allowed: a trial with a payment method (R2, nothing charged) or a paid
   subscription with its refund preview (R6)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from prorata.core.clock import ensure_utc
from prorata.core.periods import local_date
from prorata.core.proration import unused_credit
from prorata.core.transitions import ACTIVE, DELETED, DISABLED, EXPIRED, PAST_DUE, TRIALING

Outcome = Literal["allowed", "blocked", "nothing_to_cancel"]

ALLOWED: Outcome = "allowed"
BLOCKED: Outcome = "blocked"
NOTHING_TO_CANCEL: Outcome = "nothing_to_cancel"

# Decision codes. Each has a translated message in subscriptions/messages.py.
CANCEL_ALLOWED = "cancel_allowed"
TRIAL_CANCEL_ALLOWED = "trial_cancel_allowed"
TRIAL_NOTHING_TO_CANCEL = "trial_nothing_to_cancel"
EXPIRED_NOTHING_TO_CANCEL = "expired_nothing_to_cancel"
ALREADY_CANCELLED = "already_cancelled"
TOO_MANY_LICENSES = "too_many_licenses"
OUTSIDE_CANCEL_WINDOW = "outside_cancel_window"

DECISION_CODES = (
    CANCEL_ALLOWED,
    TRIAL_CANCEL_ALLOWED,
    TRIAL_NOTHING_TO_CANCEL,
    EXPIRED_NOTHING_TO_CANCEL,
    ALREADY_CANCELLED,
    TOO_MANY_LICENSES,
    OUTSIDE_CANCEL_WINDOW,
)

# What the customer can do next.
OPTION_CANCEL = "cancel"
OPTION_REMOVE_USERS = "remove_users"
OPTION_REQUEST_CALLBACK = "request_callback"
OPTION_TURN_OFF_RECURRING_BILLING = "turn_off_recurring_billing"

SETTLE_NEXT_BILLING_CYCLE = "next_billing_cycle"
SETTLE_REFUND_NOW = "refund_now"
SETTLE_KEEP_AS_BALANCE = "keep_as_balance"


@dataclass(frozen=True, slots=True)
class SubscriptionFacts:
    """What the rule needs to know about one subscription, read at one moment."""

    status: str
    assigned_licenses: int
    has_payment_method: bool
    current_period_start: datetime
    current_period_end: datetime
    # What the current period's invoice lines charged for the seats (minor units); 0 if unpaid.
    paid_for_period: int
    currency: str
    trial_end: datetime | None = None
    canceled_at: datetime | None = None
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class CancelPolicy:
    """The plan's cancellation policy, SPEC §4, with its defaults."""

    max_assigned_for_online_cancel: int | None = 24
    cancel_window_hours: int | None = None
    proration_unit: str = "day"
    credit_settlement: str = SETTLE_NEXT_BILLING_CYCLE


@dataclass(frozen=True, slots=True)
class RefundPreview:
    """The credit a cancellation now would give back, and when it is returned."""

    amount: int
    currency: str
    settles_on: datetime | None


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    code: str
    assigned_licenses: int
    max_assigned_for_online_cancel: int | None
    users_to_remove: int = 0
    options: tuple[str, ...] = ()
    refund_preview: RefundPreview | None = None
    assisted: bool = False
    # Raw values for the message (dates as ISO local dates, amounts in minor units).
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOWED

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as RFC 3339 UTC strings."""
        data = asdict(self)
        data["options"] = list(self.options)
        if self.refund_preview is not None:
            settles = self.refund_preview.settles_on
            data["refund_preview"]["settles_on"] = _iso(settles) if settles else None
        return data


def _iso(at: datetime) -> str:
    return ensure_utc(at).isoformat().replace("+00:00", "Z")


def refund_preview(facts: SubscriptionFacts, policy: CancelPolicy, now: datetime) -> RefundPreview:
    """The unused part of the current paid period (SPEC §5), settled per `credit_settlement` (R6).

    The amount is `unused_credit` of what the period's invoice actually charged, so it never
    exceeds what was paid and never reads today's price.
    """
    amount = 0
    if facts.paid_for_period > 0:
        amount = unused_credit(
            facts.paid_for_period,
            facts.current_period_start,
            facts.current_period_end,
            now,
            policy.proration_unit,  # type: ignore[arg-type]
            facts.timezone,
        )
    if policy.credit_settlement == SETTLE_NEXT_BILLING_CYCLE:
        settles_on: datetime | None = facts.current_period_end
    else:
        settles_on = now
    return RefundPreview(amount=amount, currency=facts.currency, settles_on=ensure_utc(settles_on))


def decide(facts: SubscriptionFacts, policy: CancelPolicy, *, now: datetime, assisted: bool = False) -> Decision:
    """Whether the subscription may be cancelled at `now`, and why. Changes nothing.

    `assisted` is a cancellation by a support engineer working the customer's callback request:
    it waives the online limit on assigned licenses (R3) and nothing else.
    """
    now = ensure_utc(now)
    assigned = facts.assigned_licenses
    limit = policy.max_assigned_for_online_cancel
    base = {"assigned_licenses": assigned, "max_assigned_for_online_cancel": limit, "assisted": assisted}
    params: dict[str, Any] = {"assigned": assigned, "max": "" if limit is None else limit}

    if facts.status in (DISABLED, DELETED) or facts.canceled_at is not None:
        canceled = facts.canceled_at
        params["canceled_on"] = local_date(canceled, facts.timezone).isoformat() if canceled else ""
        return Decision(NOTHING_TO_CANCEL, ALREADY_CANCELLED, params=params, **base)

    if facts.status == EXPIRED:
        return Decision(NOTHING_TO_CANCEL, EXPIRED_NOTHING_TO_CANCEL, params=params, **base)

    if facts.status == TRIALING and not facts.has_payment_method:
        params["trial_end"] = _local_iso(facts.trial_end or facts.current_period_end, facts.timezone)
        return Decision(NOTHING_TO_CANCEL, TRIAL_NOTHING_TO_CANCEL, params=params, **base)

    if facts.status not in (TRIALING, ACTIVE, PAST_DUE):
        # An unknown status: refuse rather than guess.
        return Decision(NOTHING_TO_CANCEL, ALREADY_CANCELLED, params={**params, "canceled_on": ""}, **base)

    if facts.status != TRIALING and policy.cancel_window_hours is not None:
        closes_at = ensure_utc(facts.current_period_start) + timedelta(hours=policy.cancel_window_hours)
        if now > closes_at:
            params.update(hours=policy.cancel_window_hours, window_closed_at=_iso(closes_at),
                          period_end=_local_iso(facts.current_period_end, facts.timezone))
            return Decision(BLOCKED, OUTSIDE_CANCEL_WINDOW, options=(OPTION_TURN_OFF_RECURRING_BILLING,),
                            params=params, **base)

    if limit is not None and assigned > limit and not assisted:
        users_to_remove = assigned - limit
        params["users_to_remove"] = users_to_remove
        return Decision(BLOCKED, TOO_MANY_LICENSES, users_to_remove=users_to_remove,
                        options=(OPTION_REMOVE_USERS, OPTION_REQUEST_CALLBACK), params=params, **base)

    if facts.status == TRIALING:
        params["trial_end"] = _local_iso(facts.trial_end or facts.current_period_end, facts.timezone)
        preview = RefundPreview(amount=0, currency=facts.currency, settles_on=None)
        return Decision(ALLOWED, TRIAL_CANCEL_ALLOWED, options=(OPTION_CANCEL,), refund_preview=preview,
                        params=params, **base)

    preview = refund_preview(facts, policy, now)
    params.update(
        amount=preview.amount,
        currency=preview.currency,
        settles_on=_local_iso(preview.settles_on, facts.timezone) if preview.settles_on else "",
    )
    return Decision(ALLOWED, CANCEL_ALLOWED, options=(OPTION_CANCEL,), refund_preview=preview,
                    params=params, **base)


def _local_iso(at: datetime | None, tz: str) -> str:
    return local_date(at, tz).isoformat() if at is not None else ""
