"""The event catalogue: for every webhook event type, the API schema of its `data.object`.

An event's object is the object's public API shape, exactly what the API returns for it (the
same django-ninja schema), written once, when the change commits: `subscription.*` events carry a
subscription, `invoice.*` an invoice with its lines, and so on. docs/events.md shows an example
of each; the test suite checks every event a scenario walk produces against this table.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema

from prorata.billing.schemas import CreditNoteOut, InvoiceOut, RefundOut
from prorata.licenses.schemas import LicenseOut
from prorata.subscriptions.schemas import SubscriptionOut
from prorata.support.schemas import CallbackRequestOut
from prorata.webhooks.domain.events import EVENT_TYPES

OBJECT_SCHEMAS: dict[str, type[Schema]] = {
    "subscription": SubscriptionOut,
    "license": LicenseOut,
    "invoice": InvoiceOut,
    "credit_note": CreditNoteOut,
    "refund": RefundOut,
    "callback_request": CallbackRequestOut,
}

EVENT_OBJECTS: dict[str, str] = {event_type: event_type.split(".", 1)[0] for event_type in EVENT_TYPES}


def object_schema(event_type: str) -> type[Schema]:
    return OBJECT_SCHEMAS[EVENT_OBJECTS[event_type]]


def validate_object(event_type: str, obj: dict[str, Any]) -> Schema:
    """Parse an event's `data.object` with its type's schema (raises pydantic's ValidationError)."""
    return object_schema(event_type).model_validate(obj)
