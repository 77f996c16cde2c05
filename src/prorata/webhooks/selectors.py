"""Reads of endpoints, deliveries and events, scoped through the actor.

Operators see everything; a tenant actor sees its own tenant's endpoints and events, never the
vendor-wide ones; anyone else sees nothing (NotFound).
"""

from __future__ import annotations

from django.db.models import QuerySet

from prorata.core.actor import Actor
from prorata.core.errors import NotFound
from prorata.pagination import paginate

from .models import Delivery, Event, WebhookEndpoint


def _scope(actor: Actor, qs: QuerySet, tenant_id: str | None) -> QuerySet:
    if actor.is_operator or actor.kind == "system":
        return qs.filter(tenant_id=tenant_id) if tenant_id else qs
    if not actor.tenant_id or actor.role != "global_admin":
        if tenant_id:
            raise NotFound("not_found", object="tenant", id=tenant_id)
        return qs.none()
    if tenant_id and tenant_id != actor.tenant_id:
        raise NotFound("not_found", object="tenant", id=tenant_id)
    return qs.filter(tenant_id=actor.tenant_id)


def endpoint_queryset(actor: Actor) -> QuerySet[WebhookEndpoint]:
    return _scope(actor, WebhookEndpoint.objects.all(), None)


def webhook_endpoint_get(*, actor: Actor, endpoint_id: str) -> WebhookEndpoint:
    endpoint = endpoint_queryset(actor).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("not_found", object="webhook_endpoint", id=endpoint_id)
    return endpoint


def webhook_endpoints_list(
    *, actor: Actor, tenant_id: str | None = None, limit: int | None = None, starting_after: str | None = None
) -> tuple[list[WebhookEndpoint], bool]:
    return paginate(_scope(actor, WebhookEndpoint.objects.all(), tenant_id), limit, starting_after)


def deliveries_list(
    *, actor: Actor, endpoint_id: str, limit: int | None = None, starting_after: str | None = None
) -> tuple[list[Delivery], bool]:
    """An endpoint's deliveries, newest last, each with every attempt (attempt_rows prefetched)."""
    endpoint = webhook_endpoint_get(actor=actor, endpoint_id=endpoint_id)
    qs = Delivery.objects.filter(endpoint_id=endpoint.pk).select_related("event").prefetch_related("attempt_rows")
    return paginate(qs, limit, starting_after)


def events_list(
    *, actor: Actor, tenant_id: str | None = None, type: str | None = None,
    limit: int | None = None, starting_after: str | None = None,
) -> tuple[list[Event], bool]:
    qs = _scope(actor, Event.objects.select_related("audit_event"), tenant_id)
    if type:
        qs = qs.filter(type=type)
    return paginate(qs, limit, starting_after)


def event_get(*, actor: Actor, event_id: str) -> Event:
    event = _scope(actor, Event.objects.select_related("audit_event"), None).filter(pk=event_id).first()
    if event is None:
        raise NotFound("not_found", object="event", id=event_id)
    return event
