"""Audit API output."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class AuditEventOut(Schema):
    id: int
    tenant: str | None
    # "user:<id>", "api_key:<id>" or "system", and a readable label.
    actor: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    # Facts of the action beside the object (for webhook events, `after`/`before` is the object's schema).
    details: dict[str, Any] | None
    # Business time (the tenant's clock, so a test clock's time) and the wall time of recording.
    occurred_at: datetime
    recorded_at: datetime


class AuditEventPage(Schema):
    data: list[AuditEventOut]
    has_more: bool
