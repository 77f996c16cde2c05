"""Writing the audit log. Called inside the transaction of the change it records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prorata.core.actor import Actor

from .models import AuditEvent


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    tenant_id: str | None,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. `at` is business time (the tenant's clock).

    When the action is a webhook event type, the event and its deliveries are written to the
    outbox here too, in the caller's transaction: they exist exactly when the change commits.
    """
    from prorata.webhooks.outbox import outbox_append

    event = AuditEvent.objects.create(
        tenant_id=tenant_id,
        actor=actor.ref,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        occurred_at=at,
    )
    outbox_append(event)
    return event
