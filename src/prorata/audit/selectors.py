"""Reads of the audit log, always scoped through the actor.

A tenant actor sees its own tenant's events only; staff and the system see every tenant's, and
the vendor-wide events (catalog, operator keys, test clocks) that belong to no tenant.
"""

from __future__ import annotations

from django.db.models import QuerySet

from prorata.core.actor import Actor
from prorata.core.errors import NotFound
from prorata.pagination import paginate, usable_id

from .models import AuditEvent


def _visible_events(actor: Actor) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if actor.is_staff or actor.kind == "system":
        return qs
    if actor.tenant_id is None:
        return qs.none()
    return qs.filter(tenant_id=actor.tenant_id)


def audit_events_list(
    *,
    actor: Actor,
    tenant_id: str | None = None,
    action: str | None = None,
    object_id: str | None = None,
    limit: int | None = None,
    starting_after: str | None = None,
) -> tuple[list[AuditEvent], bool]:
    """One page of audit events, oldest first (ascending id): (events, has_more).

    `tenant_id` narrows to one tenant (another tenant's id is NotFound for a tenant actor);
    without it a tenant actor gets its own tenant's events and staff get every event.
    """
    from prorata.tenants.selectors import tenant_get

    qs = _visible_events(actor)
    if tenant_id is not None:
        tenant = tenant_get(actor=actor, tenant_id=tenant_id)
        qs = qs.filter(tenant_id=tenant.pk)
    # A filter value PostgreSQL text cannot hold (a NUL byte) matches nothing.
    if action:
        qs = qs.filter(action=action) if usable_id(action) else qs.none()
    if object_id:
        qs = qs.filter(object_id=object_id) if usable_id(object_id) else qs.none()
    if starting_after is not None and not _is_event_id(starting_after):
        # Audit ids are positive 64-bit integers; anything else cannot name a visible event.
        raise NotFound("not_found", details={"starting_after": starting_after})
    return paginate(qs, limit, starting_after)


_MAX_ID = 2**63 - 1


def _is_event_id(value: object) -> bool:
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()) or len(value) > 19:
            return False
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_ID


def audit_event_get(*, actor: Actor, event_id: int) -> AuditEvent:
    event = _visible_events(actor).filter(pk=event_id).first() if _is_event_id(event_id) else None
    if event is None:
        raise NotFound("not_found", object="audit_event", id=event_id)
    return event
