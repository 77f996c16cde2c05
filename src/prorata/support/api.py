"""Callback request routes ("Let us call you" and the support queue)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from prorata.api import actor_of
from prorata.pagination import page
from prorata.schemas import errors

from . import selectors, services
from .schemas import (
    CallbackRequestIn,
    CallbackRequestOut,
    CallbackRequestPage,
    ResolveIn,
    callback_request_out,
)

router = Router(tags=["support"])


@router.post(
    "/callback_requests", response={201: CallbackRequestOut, **errors(400, 404)},
    operation_id="callback_request_create", summary="Ask a support engineer to call about a subscription",
)
def create_callback_request(request: HttpRequest, body: CallbackRequestIn) -> tuple[int, dict[str, Any]]:
    cb = services.callback_request_create(
        actor=actor_of(request), subscription_id=body.subscription, phone=body.phone, language=body.language,
        preferred_time=body.preferred_time, note=body.note,
    )
    return Status(201, callback_request_out(cb))


@router.get(
    "/callback_requests", response={200: CallbackRequestPage, **errors(400, 404)},
    operation_id="callback_requests_list", summary="Callback requests, oldest first, optionally of one status",
)
def list_callback_requests(
    request: HttpRequest, status: str | None = None, limit: int | None = None, starting_after: str | None = None
) -> dict[str, Any]:
    items, has_more = selectors.callback_requests_list(
        actor=actor_of(request), status=status, limit=limit, starting_after=starting_after
    )
    return page([callback_request_out(cb) for cb in items], has_more)


@router.get(
    "/callback_requests/{request_id}", response={200: CallbackRequestOut, **errors(404)},
    operation_id="callback_request_get", summary="Get a callback request",
)
def get_callback_request(request: HttpRequest, request_id: str) -> dict[str, Any]:
    return callback_request_out(selectors.callback_request_get(actor=actor_of(request), request_id=request_id))


@router.post(
    "/callback_requests/{request_id}/claim", response={200: CallbackRequestOut, **errors(403, 404, 409)},
    operation_id="callback_request_claim", summary="Take an open callback request (support staff)",
)
def claim_callback_request(request: HttpRequest, request_id: str) -> dict[str, Any]:
    return callback_request_out(services.callback_request_claim(actor=actor_of(request), request_id=request_id))


@router.post(
    "/callback_requests/{request_id}/resolve", response={200: CallbackRequestOut, **errors(400, 403, 404, 409)},
    operation_id="callback_request_resolve", summary="Record how a callback request ended (support staff)",
)
def resolve_callback_request(request: HttpRequest, request_id: str, body: ResolveIn) -> dict[str, Any]:
    cb = services.callback_request_resolve(
        actor=actor_of(request), request_id=request_id, outcome=body.outcome, note=body.note
    )
    return callback_request_out(cb)


@router.post(
    "/callback_requests/{request_id}/unclaim", response={200: CallbackRequestOut, **errors(403, 404, 409)},
    operation_id="callback_request_unclaim", summary="Give a claimed callback request back to the queue (its claimer)",
)
def unclaim_callback_request(request: HttpRequest, request_id: str) -> dict[str, Any]:
    return callback_request_out(services.callback_request_unclaim(actor=actor_of(request), request_id=request_id))


@router.post(
    "/callback_requests/{request_id}/withdraw", response={200: CallbackRequestOut, **errors(404, 409)},
    operation_id="callback_request_withdraw",
    summary="Withdraw a callback request that is not resolved yet: it is resolved as `withdrawn`",
)
def withdraw_callback_request(request: HttpRequest, request_id: str) -> dict[str, Any]:
    return callback_request_out(services.callback_request_withdraw(actor=actor_of(request), request_id=request_id))
