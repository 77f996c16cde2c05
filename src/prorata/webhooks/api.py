"""Webhook endpoints, their deliveries (every attempt), and the event log. Thin."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from prorata.api import actor_of
from prorata.pagination import page
from prorata.schemas import errors

from . import selectors, services
from .models import Delivery, Event, WebhookEndpoint
from .schemas import (
    DeliveryPage,
    EventOut,
    EventPage,
    WebhookEndpointCreated,
    WebhookEndpointIn,
    WebhookEndpointOut,
    WebhookEndpointPage,
)

router = Router(tags=["webhooks"])


def endpoint_out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk, "tenant": endpoint.tenant_id, "url": endpoint.url, "events": endpoint.events,
        "description": endpoint.description, "created_at": endpoint.created_at,
    }


def delivery_out(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk, "endpoint": delivery.endpoint_id, "event": delivery.event_id,
        "event_type": delivery.event.type, "status": delivery.status,
        "attempts": [
            {"number": a.number, "attempted_at": a.attempted_at, "webhook_timestamp": a.webhook_timestamp,
             "status_code": a.status_code, "error": a.error, "duration_ms": a.duration_ms, "succeeded": a.succeeded}
            for a in delivery.attempt_rows.all()
        ],
        "next_attempt_at": delivery.next_attempt_at, "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
    }


def event_out(event: Event) -> dict[str, Any]:
    return {"id": event.pk, "type": event.type, "tenant": event.tenant_id, "created_at": event.created_at, "data": event.data}


@router.post(
    "/webhook_endpoints", response={201: WebhookEndpointCreated, **errors(400, 403, 404, 409, 429)},
    operation_id="webhook_endpoint_create", summary="Create a webhook endpoint; its signing secret is shown once",
)
def create_endpoint(request: HttpRequest, body: WebhookEndpointIn) -> tuple[int, dict[str, Any]]:
    endpoint, secret = services.webhook_endpoint_create(
        actor=actor_of(request), url=body.url, events=body.events, tenant_id=body.tenant, description=body.description,
    )
    return Status(201, {**endpoint_out(endpoint), "secret": secret})


@router.get(
    "/webhook_endpoints", response={200: WebhookEndpointPage, **errors(400, 404, 429)},
    operation_id="webhook_endpoints_list", summary="List webhook endpoints",
)
def list_endpoints(
    request: HttpRequest, tenant: str | None = None, limit: int | None = None, starting_after: str | None = None
) -> dict[str, Any]:
    items, has_more = selectors.webhook_endpoints_list(
        actor=actor_of(request), tenant_id=tenant, limit=limit, starting_after=starting_after
    )
    return page([endpoint_out(e) for e in items], has_more)


@router.get(
    "/webhook_endpoints/{endpoint_id}", response={200: WebhookEndpointOut, **errors(404, 429)},
    operation_id="webhook_endpoint_get", summary="Get a webhook endpoint",
)
def get_endpoint(request: HttpRequest, endpoint_id: str) -> dict[str, Any]:
    return endpoint_out(selectors.webhook_endpoint_get(actor=actor_of(request), endpoint_id=endpoint_id))


@router.delete(
    "/webhook_endpoints/{endpoint_id}", response={204: None, **errors(403, 404, 429)},
    operation_id="webhook_endpoint_delete", summary="Delete a webhook endpoint and its pending deliveries",
)
def delete_endpoint(request: HttpRequest, endpoint_id: str) -> tuple[int, None]:
    services.webhook_endpoint_delete(actor=actor_of(request), endpoint_id=endpoint_id)
    return Status(204, None)


@router.get(
    "/webhook_endpoints/{endpoint_id}/deliveries", response={200: DeliveryPage, **errors(400, 404, 429)},
    operation_id="webhook_deliveries_list", summary="An endpoint's deliveries, with every attempt",
)
def list_deliveries(
    request: HttpRequest, endpoint_id: str, limit: int | None = None, starting_after: str | None = None
) -> dict[str, Any]:
    items, has_more = selectors.deliveries_list(
        actor=actor_of(request), endpoint_id=endpoint_id, limit=limit, starting_after=starting_after
    )
    return page([delivery_out(d) for d in items], has_more)


@router.get(
    "/events", response={200: EventPage, **errors(400, 404, 429)},
    operation_id="events_list", summary="List events (the webhook stream), optionally of one tenant or type",
)
def list_events(
    request: HttpRequest, tenant: str | None = None, type: str | None = None,
    limit: int | None = None, starting_after: str | None = None,
) -> dict[str, Any]:
    items, has_more = selectors.events_list(
        actor=actor_of(request), tenant_id=tenant, type=type, limit=limit, starting_after=starting_after
    )
    return page([event_out(e) for e in items], has_more)


@router.get(
    "/events/{event_id}", response={200: EventOut, **errors(404, 429)},
    operation_id="event_get", summary="Get an event",
)
def get_event(request: HttpRequest, event_id: str) -> dict[str, Any]:
    return event_out(selectors.event_get(actor=actor_of(request), event_id=event_id))
