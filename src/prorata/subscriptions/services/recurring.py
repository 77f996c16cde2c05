"""Turning recurring billing on or off."""

from __future__ import annotations

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, InvalidInput
from prorata.core.transitions import ASSIGNABLE
from prorata.tenants.selectors import now_for

from ..models import Subscription
from .common import ensure_no_payment_in_progress, snapshot, subscription_lock
from .outcomes import next_action_at


def subscription_set_recurring_billing(*, actor: Actor, subscription_id: str, enabled: bool) -> Subscription:
    """Turn recurring billing on or off.

    Off: the subscription is not renewed; at the end of the current period (or trial) it
    expires instead. On again: it renews as usual. A cancelled subscription cannot be turned on.
    Setting the value it already has changes nothing and records nothing.
    """
    if not isinstance(enabled, bool):
        raise InvalidInput("validation_error", fields="enabled")
    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        if sub.status not in ASSIGNABLE:
            raise Conflict("subscription_not_active", details={"status": sub.status}, status=sub.status)
        if enabled and sub.canceled_at is not None:
            raise Conflict("already_cancelled", details={"status": sub.status})
        if sub.recurring_billing == enabled:
            return sub
        now = now_for(sub.tenant)
        before = snapshot(sub)
        ensure_no_payment_in_progress(sub)
        sub.recurring_billing = enabled
        sub.next_action_at = next_action_at(sub)
        sub.save(update_fields=["recurring_billing", "next_action_at"])
        audit_record(
            actor=actor, action="subscription.updated", object_type="subscription", object_id=sub.pk,
            tenant_id=sub.tenant_id, at=now, before=before, after=snapshot(sub),
        )
    return sub
