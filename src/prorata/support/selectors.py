"""Reads of callback requests: staff see the whole queue, a tenant actor only its own."""

from __future__ import annotations

from django.db.models import QuerySet

from prorata.core.actor import Actor
from prorata.core.errors import InvalidInput, NotFound
from prorata.pagination import paginate

from .models import CallbackRequest, CallbackStatus


def visible_callback_requests(actor: Actor) -> QuerySet[CallbackRequest]:
    qs = CallbackRequest.objects.all()
    if actor.is_staff or actor.kind == "system":
        return qs
    if actor.tenant_id is None:
        return qs.none()
    return qs.filter(tenant_id=actor.tenant_id)


def callback_request_get(*, actor: Actor, request_id: str) -> CallbackRequest:
    request = (
        visible_callback_requests(actor)
        .select_related("tenant", "subscription", "subscription__plan", "subscription__plan__product", "claimed_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound("not_found", object="callback_request", id=request_id)
    return request


def _valid_status(status: str | None) -> str | None:
    if not status:
        return None
    if status not in CallbackStatus.values:
        raise InvalidInput(
            "invalid_callback_status", field="status", value=status, choices=", ".join(CallbackStatus.values),
            details={"choices": list(CallbackStatus.values)},
        )
    return status


def callback_requests_queue(*, actor: Actor, status: str | None = None) -> QuerySet[CallbackRequest]:
    """The queue, oldest first (by when it was asked for, then id), optionally of one status."""
    qs = visible_callback_requests(actor).select_related("tenant", "subscription", "claimed_by")
    status = _valid_status(status)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


def callback_requests_list(
    *, actor: Actor, status: str | None = None, limit: int | None = None, starting_after: str | None = None
) -> tuple[list[CallbackRequest], bool]:
    """One page of callback requests by id; ids are time-ordered, so this is oldest first too."""
    qs = visible_callback_requests(actor).select_related("tenant", "subscription", "claimed_by")
    status = _valid_status(status)
    if status:
        qs = qs.filter(status=status)
    return paginate(qs, limit, starting_after)


def pending_callback_requests(*, actor: Actor, subscription_id: str) -> list[CallbackRequest]:
    """The subscription's requests not yet resolved (open or in progress), oldest first."""
    return list(
        visible_callback_requests(actor)
        .filter(subscription_id=subscription_id, status__in=[CallbackStatus.OPEN, CallbackStatus.IN_PROGRESS])
        .order_by("created_at", "id")
    )


def callback_requests_history(*, actor: Actor, limit: int = 50) -> list[CallbackRequest]:
    """Resolved requests, most recently resolved first."""
    return list(
        visible_callback_requests(actor).filter(status=CallbackStatus.RESOLVED)
        .select_related("tenant", "subscription", "subscription__plan", "subscription__plan__product", "claimed_by")
        .order_by("-resolved_at", "-id")[:limit]
    )
