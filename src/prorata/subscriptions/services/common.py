"""Pieces every subscription service shares: the locked read, status changes, audit snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prorata.core.actor import Actor
from prorata.core.errors import Conflict, NotFound
from prorata.core.transitions import next_status

from ..models import StatusChange, Subscription
from ..selectors import visible_subscriptions


def subscription_lock(*, actor: Actor, subscription_id: str) -> Subscription:
    """The subscription row, locked until the caller's transaction ends (NotFound if not visible).

    Everything a service checks about a subscription (status, license count, quantity) is read
    after this lock, so two requests can never both pass a check on the same stale state.
    """
    sub = (
        visible_subscriptions(actor)
        .select_for_update(no_key=True, of=("self",))
        .select_related("plan", "plan__product", "tenant")
        .filter(pk=subscription_id)
        .first()
    )
    if sub is None:
        raise NotFound("not_found", object="subscription", id=subscription_id)
    return sub


def subscription_transition(*, actor: Actor, subscription: Subscription, event: str, at: datetime) -> StatusChange:
    """Move the (locked) subscription through the transition table and record the step.

    Raises `invalid_transition` for any step not in the table. The caller saves the subscription.
    """
    before = subscription.status
    after = next_status(before, event)
    subscription.status = after
    subscription.status_changed_at = at
    return StatusChange.objects.create(
        tenant_id=subscription.tenant_id,
        subscription=subscription,
        from_status=before,
        to_status=after,
        event=event,
        at=at,
        actor=actor.ref,
    )


def snapshot(sub: Subscription, assigned: int | None = None) -> dict[str, Any]:
    """The subscription's API schema, for an audit row's before/after (and its event's object)."""
    from ..schemas import subscription_out

    return subscription_out(sub, assigned=assigned)


def ensure_no_payment_in_progress(sub: Subscription) -> None:
    """Refuse to change a (locked) subscription while a charge for it awaits its outcome: the
    outcome would be written over the change (or the change made on a period not yet paid)."""
    from prorata.billing.services import calls_in_flight

    if calls_in_flight([sub.pk]):
        raise Conflict("payment_in_progress", details={"subscription": sub.pk})
