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
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row (and its event and deliveries, for an event type); returns the row.

    `at` is business time (the tenant's clock). Written by the one writer
    (`prorata.platform.writer`), as the billing pass writes thousands: the event exists exactly
    when the change commits, and its deliveries are handed to a worker only after that commit.
    For webhook event types `after` (or `before`, for a removal) is the object's API schema.
    """
    from prorata.platform.writer import Changes

    changes = Changes()
    changes.audit(actor=actor, tenant_id=tenant_id, action=action, object_type=object_type, object_id=object_id,
                  at=at, before=before, after=after, details=details)
    changes.flush()
    return AuditEvent(id=changes.audit_ids[0], tenant_id=tenant_id, actor=actor.ref, actor_label=actor.label,
                      action=action, object_type=object_type, object_id=object_id, before=before, after=after,
                      details=details, occurred_at=at)
