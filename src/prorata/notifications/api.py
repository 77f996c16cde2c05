"""Billing notices sent (to whom, status, every attempt) and a tenant's notification settings. Thin."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from prorata.api import actor_of
from prorata.pagination import page
from prorata.schemas import errors

from . import selectors, services
from .models import Notice
from .schemas import NoticePage, NotificationSettingsIn, NotificationSettingsOut

router = Router(tags=["notifications"])


def notice_out(n: Notice) -> dict[str, Any]:
    return {
        "id": n.pk, "tenant": n.tenant_id, "kind": n.kind, "event": n.event_id, "subscription": n.subscription_id or None,
        "recipient": n.recipient, "language": n.language, "status": n.status, "subject": n.subject,
        "attempts": [{"number": a.number, "attempted_at": a.attempted_at, "succeeded": a.succeeded, "error": a.error,
                      "duration_ms": a.duration_ms} for a in n.attempt_rows.all()],
        "next_attempt_at": n.next_attempt_at, "occurred_at": n.occurred_at, "sent_at": n.sent_at,
    }


@router.get(
    "/notifications", response={200: NoticePage, **errors(400, 404, 429)},
    operation_id="notifications_list", summary="Billing notices: what was sent, to whom, and its status",
)
def list_notices(
    request: HttpRequest, tenant: str | None = None, kind: str | None = None, status: str | None = None,
    limit: int | None = None, starting_after: str | None = None,
) -> dict[str, Any]:
    items, has_more = selectors.notices_list(actor=actor_of(request), tenant_id=tenant, kind=kind, status=status,
                                             limit=limit, starting_after=starting_after)
    return page([notice_out(n) for n in items], has_more)


@router.get(
    "/tenants/{tenant_id}/notification_settings", response={200: NotificationSettingsOut, **errors(404, 429)},
    operation_id="notification_settings_get", summary="Who receives a tenant's billing notices, and what it mutes",
)
def get_settings(request: HttpRequest, tenant_id: str) -> dict[str, Any]:
    return selectors.notification_settings_get(actor=actor_of(request), tenant_id=tenant_id)


@router.post(
    "/tenants/{tenant_id}/notification_settings",
    response={200: NotificationSettingsOut, **errors(400, 403, 404, 429)},
    operation_id="notification_settings_update",
    summary="Change the recipients of a tenant's billing notices, or mute optional kinds",
)
def update_settings(request: HttpRequest, tenant_id: str, body: NotificationSettingsIn) -> dict[str, Any]:
    return services.notification_settings_update(
        actor=actor_of(request), tenant_id=tenant_id, global_admins=body.global_admins,
        billing_admins=body.billing_admins, extra_addresses=body.extra_addresses, muted_kinds=body.muted_kinds,
        license_notices=body.license_notices,
    )
