"""Audit routes: the append-only log, read-only. Thin: parse, call a selector, shape."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from prorata.api import actor_of
from prorata.pagination import page
from prorata.schemas import errors

from . import selectors
from .models import AuditEvent
from .schemas import AuditEventOut, AuditEventPage

router = Router(tags=["audit"])


def audit_event_out(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk, "tenant": event.tenant_id, "actor": event.actor, "actor_label": event.actor_label,
        "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
        "before": event.before, "after": event.after, "details": event.details,
        "occurred_at": event.occurred_at, "recorded_at": event.recorded_at,
    }


@router.get(
    "/audit_events", response={200: AuditEventPage, **errors(400, 404)},
    operation_id="audit_events_list",
    summary="List audit events, oldest first",
    description=(
        "Every change of state, oldest first. A tenant key sees its own tenant's events "
        "(`tenant` may be omitted); an operator key sees every tenant's, and without `tenant` also "
        "the vendor-wide events. Filter by `action` (e.g. `subscription.cancelled`) or `object_id`."
    ),
)
def list_audit_events(
    request: HttpRequest,
    tenant: str | None = None,
    action: str | None = None,
    object_id: str | None = None,
    limit: int | None = None,
    starting_after: str | None = None,
) -> dict[str, Any]:
    events, has_more = selectors.audit_events_list(
        actor=actor_of(request), tenant_id=tenant, action=action, object_id=object_id,
        limit=limit, starting_after=starting_after,
    )
    return page([audit_event_out(e) for e in events], has_more)


@router.get(
    "/audit_events/{event_id}", response={200: AuditEventOut, **errors(404)},
    operation_id="audit_event_get", summary="Get an audit event",
)
def get_audit_event(request: HttpRequest, event_id: int) -> dict[str, Any]:
    return audit_event_out(selectors.audit_event_get(actor=actor_of(request), event_id=event_id))
