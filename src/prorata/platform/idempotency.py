"""Idempotency keys with Stripe's semantics, for every POST of the API.

- The first request with a key runs; its response is stored with a fingerprint of the request
  and replayed, byte for byte, to every later request with the same key for 24 hours.
- The same key with a different request (method, path, query or JSON body) is refused with
  409 `idempotency_key_reused`; while the first request is still running, with 409
  `idempotency_key_in_use`.
- Keys belong to the API key that sent them: two API keys may use the same string.

The record is inserted and committed as `in_progress` before the request runs, so a concurrent
request with the same key finds it (the database's unique constraint decides who is first).
A 5xx response is not stored: nothing was committed, so the client may retry with the same key.
A record left `in_progress` by a crashed process is taken over after IN_PROGRESS_TIMEOUT.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from prorata.core.errors import Conflict, InvalidInput
from prorata.tenants.models import ApiKey

from .models import IdempotencyRecord, IdempotencyState

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAY_FOR = timedelta(hours=24)
IN_PROGRESS_TIMEOUT = timedelta(minutes=5)
REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Claim:
    record: IdempotencyRecord | None = None
    replay: IdempotencyRecord | None = None


def validate_key(value: str) -> str:
    if not 1 <= len(value) <= MAX_KEY_LENGTH or not all(32 <= ord(c) < 127 for c in value):
        raise InvalidInput("idempotency_key_invalid", max=MAX_KEY_LENGTH)
    return value


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of what makes two requests the same: method, path, query and body.

    A JSON body is compared by meaning (key order and spacing do not matter).
    """
    body = request.body
    try:
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        pass
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(body)
    return digest.hexdigest()


def idempotency_claim(*, api_key: ApiKey, key: str, request: HttpRequest, now: datetime) -> Claim:
    """Insert the in-progress record (committed at once), or say why the request must not run.

    Raises Conflict (reused / in use); returns Claim(record=...) to run, Claim(replay=...) to replay.
    """
    fp = fingerprint(request)
    for _ in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    api_key=api_key, key=key, fingerprint=fp, method=request.method or "",
                    path=request.path[:500], created_at=now,
                )
            return Claim(record=record)
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(api_key=api_key, key=key).first()
        if existing is None:
            continue  # expired and removed between our insert and this read: try again
        if existing.created_at <= now - REPLAY_FOR:
            # Expired: the key is free again. Conditional, so only one request frees it.
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        if existing.fingerprint != fp:
            raise Conflict("idempotency_key_reused", details={"idempotency_key": key})
        if existing.state == IdempotencyState.COMPLETED:
            return Claim(replay=existing)
        if existing.created_at <= now - IN_PROGRESS_TIMEOUT:
            taken = IdempotencyRecord.objects.filter(
                pk=existing.pk, state=IdempotencyState.IN_PROGRESS, created_at=existing.created_at
            ).update(created_at=now)
            if taken:
                existing.created_at = now
                return Claim(record=existing)
        raise Conflict("idempotency_key_in_use", details={"idempotency_key": key})
    raise Conflict("idempotency_key_in_use", details={"idempotency_key": key})


def idempotency_complete(*, record: IdempotencyRecord, response: HttpResponse, now: datetime) -> None:
    """Store the response to replay, or free the key when the request failed on our side."""
    if response.status_code >= 500 or response.streaming:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyState.COMPLETED,
        response_status=response.status_code,
        response_body=bytes(response.content),
        response_content_type=response.get("Content-Type", ""),
        completed_at=now,
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def replay_response(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.response_status or 200,
        content_type=record.response_content_type or "application/json",
    )
    response[REPLAYED_HEADER] = "true"
    return response


def idempotency_purge(*, now: datetime) -> int:
    """Delete records past their 24 hours; returns how many. Safe to run from any worker."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lte=now - REPLAY_FOR).delete()
    return deleted


def run_idempotent(request: HttpRequest, api_key: ApiKey, key: str, now: Callable[[], datetime],
                   get_response: Callable[[HttpRequest], HttpResponse]) -> HttpResponse:
    claim = idempotency_claim(api_key=api_key, key=validate_key(key), request=request, now=now())
    if claim.replay is not None:
        return replay_response(claim.replay)
    assert claim.record is not None
    try:
        response = get_response(request)
    except BaseException:
        idempotency_release(record=claim.record)
        raise
    idempotency_complete(record=claim.record, response=response, now=now())
    return response
