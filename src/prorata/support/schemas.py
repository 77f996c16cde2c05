"""API input and output of callback requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from prorata.schemas import StrictIn

from .models import CallbackRequest


class CallbackRequestIn(StrictIn):
    subscription: str
    phone: str = Field(description="Any common notation; stored as E.164. Without a country code the tenant's country is assumed.")
    language: str = Field(description="`en` or `zh-Hans`.")
    preferred_time: str = ""
    note: str = ""


class ResolveIn(StrictIn):
    outcome: str = Field(description="`cancelled_on_behalf`, `resolved_other` or `no_answer` (`withdrawn` is the customer's own, `POST /callback_requests/{id}/withdraw`).")
    note: str = ""


class CallbackRequestOut(Schema):
    id: str
    tenant: str
    subscription: str
    phone: str
    language: str
    preferred_time: str
    note: str
    status: str
    requested_by: str
    claimed_by: str | None
    claimed_at: datetime | None
    outcome: str
    resolution_note: str
    resolved_at: datetime | None
    created_at: datetime


class CallbackRequestPage(Schema):
    data: list[CallbackRequestOut]
    has_more: bool


def callback_request_out(request: CallbackRequest) -> dict[str, Any]:
    return {
        "id": request.pk, "tenant": request.tenant_id, "subscription": request.subscription_id,
        "phone": request.phone, "language": request.language, "preferred_time": request.preferred_time,
        "note": request.note, "status": request.status, "requested_by": request.requested_by,
        "claimed_by": request.claimed_by_id, "claimed_at": request.claimed_at, "outcome": request.outcome,
        "resolution_note": request.resolution_note, "resolved_at": request.resolved_at,
        "created_at": request.created_at,
    }
