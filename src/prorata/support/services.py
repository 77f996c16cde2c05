"""Callback requests ("Let us call you"): asked for by a tenant, worked by support engineers."""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from prorata.subscriptions.selectors import visible_subscriptions
from prorata.tenants.selectors import now_for

from .models import CallbackOutcome, CallbackRequest, CallbackStatus
from .schemas import callback_request_out
from .selectors import visible_callback_requests

LANGUAGES = ("en", "zh-Hans")
MAX_PREFERRED_TIME = 100
MAX_NOTE = 2000
# How an engineer may close a request; `withdrawn` is the customer's own.
STAFF_OUTCOMES = tuple(v for v in CallbackOutcome.values if v != CallbackOutcome.WITHDRAWN)


def normalise_phone(raw: str, country: str) -> str:
    """The number in E.164, read with the tenant's country as the default region."""
    raw = (raw or "").strip()
    try:
        number = phonenumbers.parse(raw, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput("invalid_phone", field="phone", value=raw[:40])
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _language(language: str) -> str:
    for known in LANGUAGES:
        if (language or "").strip().lower() == known.lower():
            return known
    raise InvalidInput("invalid_callback_language", field="language", details={"choices": list(LANGUAGES)})


def _text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput("callback_text_too_long", field=field, max=limit, details={"field": field, "max": limit})
    return value


def _snapshot(request: CallbackRequest) -> dict:
    # The request's API schema: what the callback_request.* events send as data.object.
    return callback_request_out(request)


def _require_staff(actor: Actor) -> None:
    if not (actor.is_staff or actor.kind == "system"):
        raise Forbidden("forbidden")


def callback_request_create(
    *, actor: Actor, subscription_id: str, phone: str, language: str, preferred_time: str = "", note: str = ""
) -> CallbackRequest:
    """Ask a support engineer to call about a subscription (the *Let us call you* form)."""
    language = _language(language)
    preferred_time = _text(preferred_time, "preferred_time", MAX_PREFERRED_TIME)
    note = _text(note, "note", MAX_NOTE)
    with transaction.atomic():
        sub = visible_subscriptions(actor).select_related("tenant").filter(pk=subscription_id).first()
        if sub is None:
            raise NotFound("not_found", object="subscription", id=subscription_id)
        e164 = normalise_phone(phone, sub.tenant.country)
        now = now_for(sub.tenant)
        request = CallbackRequest.objects.create(
            tenant_id=sub.tenant_id, subscription=sub, phone=e164, language=language,
            preferred_time=preferred_time, note=note, status=CallbackStatus.OPEN,
            requested_by=actor.ref, created_at=now,
        )
        audit_record(
            actor=actor, action="callback_request.created", object_type="callback_request", object_id=request.pk,
            tenant_id=sub.tenant_id, at=now, before=None, after=_snapshot(request),
        )
    return request


def _lock(actor: Actor, request_id: str) -> CallbackRequest:
    request = (
        visible_callback_requests(actor).select_for_update(no_key=True, of=("self",)).select_related("tenant")
        .filter(pk=request_id).first()
    )
    if request is None:
        raise NotFound("not_found", object="callback_request", id=request_id)
    return request


def callback_request_claim(*, actor: Actor, request_id: str) -> CallbackRequest:
    """A support engineer (or operator) takes an open request: open -> in progress."""
    _require_staff(actor)
    with transaction.atomic():
        request = _lock(actor, request_id)
        if request.status == CallbackStatus.IN_PROGRESS:
            raise Conflict("callback_already_claimed", details={"claimed_by": request.claimed_by_id})
        if request.status == CallbackStatus.RESOLVED:
            raise Conflict("callback_already_resolved", details={"outcome": request.outcome})
        now = now_for(request.tenant)
        before = _snapshot(request)
        request.status = CallbackStatus.IN_PROGRESS
        # A person is recorded as the claimer; an operator key has no user row to point at.
        request.claimed_by_id = actor.id if actor.kind == "user" else None
        request.claimed_at = now
        request.save(update_fields=["status", "claimed_by", "claimed_at"])
        audit_record(
            actor=actor, action="callback_request.claimed", object_type="callback_request", object_id=request.pk,
            tenant_id=request.tenant_id, at=now, before=before, after=_snapshot(request),
        )
    return request


def _resolve(actor: Actor, request: CallbackRequest, outcome: str, note: str, at: datetime) -> CallbackRequest:
    before = _snapshot(request)
    request.status = CallbackStatus.RESOLVED
    request.outcome = outcome
    request.resolution_note = note
    request.resolved_at = at
    if request.claimed_at is None:
        request.claimed_by_id = actor.id if actor.kind == "user" else None
        request.claimed_at = at
    request.save(update_fields=["status", "outcome", "resolution_note", "resolved_at", "claimed_by", "claimed_at"])
    audit_record(
        actor=actor, action="callback_request.resolved", object_type="callback_request", object_id=request.pk,
        tenant_id=request.tenant_id, at=at, before=before, after=_snapshot(request),
    )
    return request


def callback_request_resolve(*, actor: Actor, request_id: str, outcome: str, note: str = "") -> CallbackRequest:
    """Record how a request ended (`cancelled_on_behalf`, `resolved_other`, `no_answer`)."""
    _require_staff(actor)
    if outcome not in STAFF_OUTCOMES:
        raise InvalidInput(
            "invalid_callback_outcome", field="outcome", value=str(outcome)[:40],
            choices=", ".join(STAFF_OUTCOMES), details={"choices": list(STAFF_OUTCOMES)},
        )
    note = _text(note, "note", MAX_NOTE)
    with transaction.atomic():
        request = _lock(actor, request_id)
        if request.status == CallbackStatus.RESOLVED:
            raise Conflict("callback_already_resolved", details={"outcome": request.outcome})
        _require_claimer(actor, request)
        return _resolve(actor, request, outcome, note, now_for(request.tenant))


def _require_claimer(actor: Actor, request: CallbackRequest) -> None:
    """A request one engineer claimed is theirs to finish; operators may step in."""
    if actor.is_operator or request.claimed_by_id is None:
        return
    if actor.kind != "user" or actor.id != request.claimed_by_id:
        raise Conflict("callback_claimed_by_another", details={"claimed_by": request.claimed_by_id})


def callback_request_close_after_cancel(*, actor: Actor, request: CallbackRequest, at: datetime) -> CallbackRequest:
    """Resolve a (locked) request as `cancelled_on_behalf`, inside the cancel's own transaction."""
    return _resolve(actor, request, CallbackOutcome.CANCELLED_ON_BEHALF, "", at)


def callback_request_unclaim(*, actor: Actor, request_id: str) -> CallbackRequest:
    """Give a claimed request back to the queue: in progress -> open (its claimer, or an operator)."""
    _require_staff(actor)
    with transaction.atomic():
        request = _lock(actor, request_id)
        if request.status == CallbackStatus.RESOLVED:
            raise Conflict("callback_already_resolved", details={"outcome": request.outcome})
        if request.status != CallbackStatus.IN_PROGRESS:
            raise Conflict("callback_not_claimed", details={"status": request.status})
        _require_claimer(actor, request)
        now = now_for(request.tenant)
        before = _snapshot(request)
        request.status = CallbackStatus.OPEN
        request.claimed_by_id = None
        request.claimed_at = None
        request.save(update_fields=["status", "claimed_by", "claimed_at"])
        audit_record(
            actor=actor, action="callback_request.unclaimed", object_type="callback_request", object_id=request.pk,
            tenant_id=request.tenant_id, at=now, before=before, after=_snapshot(request),
        )
    return request


def callback_request_withdraw(*, actor: Actor, request_id: str) -> CallbackRequest:
    """The customer no longer wants the call: an open or in-progress request is resolved as
    `withdrawn`. A resolved one is refused (`callback_already_resolved`)."""
    with transaction.atomic():
        request = _lock(actor, request_id)
        if request.status == CallbackStatus.RESOLVED:
            raise Conflict("callback_already_resolved", details={"outcome": request.outcome})
        before = _snapshot(request)
        now = now_for(request.tenant)
        request.status = CallbackStatus.RESOLVED
        request.outcome = CallbackOutcome.WITHDRAWN
        request.resolved_at = now
        request.save(update_fields=["status", "outcome", "resolved_at"])
        audit_record(
            actor=actor, action="callback_request.resolved", object_type="callback_request", object_id=request.pk,
            tenant_id=request.tenant_id, at=now, before=before, after=_snapshot(request),
        )
    return request
