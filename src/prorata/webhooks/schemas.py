"""API input and output of webhook endpoints, deliveries and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from prorata.schemas import StrictIn


class WebhookEndpointIn(StrictIn):
    url: str = Field(description="Where events are POSTed: an http:// or https:// URL.")
    events: list[str] = Field(description='Event types to receive, or `["*"]` for all.')
    tenant: str | None = Field(default=None, description="Operator keys: the tenant, or none for every tenant.")
    description: str = ""


class WebhookEndpointOut(Schema):
    id: str
    tenant: str | None
    url: str
    events: list[str]
    description: str
    created_at: datetime


class WebhookEndpointCreated(WebhookEndpointOut):
    secret: str = Field(description="The whsec_… signing secret. Shown only in this response.")


class WebhookEndpointPage(Schema):
    data: list[WebhookEndpointOut]
    has_more: bool


class AttemptOut(Schema):
    number: int
    attempted_at: datetime
    webhook_timestamp: int
    status_code: int | None
    error: str
    duration_ms: int
    succeeded: bool


class DeliveryOut(Schema):
    id: str
    endpoint: str
    event: str
    event_type: str
    status: str = Field(description="`pending`, `succeeded` or `failed` (retries over).")
    attempts: list[AttemptOut]
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(Schema):
    data: list[DeliveryOut]
    has_more: bool


class EventOut(Schema):
    id: str
    type: str
    tenant: str | None
    created_at: datetime
    data: dict[str, Any]


class EventPage(Schema):
    data: list[EventOut]
    has_more: bool
