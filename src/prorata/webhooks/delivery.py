"""Sending webhooks: claim due deliveries, POST them signed, record every attempt, back off.

`deliver_due(now, limit)` is the one entry point; the `webhooks` task calls it for fresh
deliveries and the worker loop calls it every cycle as a sweep, so a lost enqueue or a crashed
worker loses nothing. A claim is a lease: `next_attempt_at` is moved LEASE ahead under
`SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL) or a conditional update (SQLite); the result
is written only if the lease is still ours. No database lock is held during the HTTP call.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from prorata.core.clock import system_clock

from . import transport
from .domain import backoff, signing
from .models import Delivery, DeliveryAttempt, DeliveryStatus, Event

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
USER_AGENT = transport.USER_AGENT


@dataclass
class DeliveryRun:
    claimed: int = 0
    attempts: int = 0
    succeeded: int = 0
    failed_attempts: int = 0
    given_up: int = 0


def rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_payload(event: Event) -> dict:
    """`{id, type, created_at, data: {object}}`; created_at is the business time of the change."""
    return {"id": event.pk, "type": event.type, "created_at": rfc3339(event.created_at), "data": event.data}


def event_body(event: Event) -> bytes:
    """The exact bytes that are signed and sent: the same for every attempt of the event."""
    return json.dumps(event_payload(event), cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, int]:
    """POST once through the guarded transport (prorata.webhooks.transport); never raises."""
    return transport.post(url, body, headers)


def _concurrency() -> int:
    return max(1, int(getattr(settings, "PRORATA_WEBHOOK_CONCURRENCY", 8)))


def _claim(now: datetime, limit: int, delivery_ids: list[str] | None) -> tuple[list[str], datetime]:
    lease = now + LEASE
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    if delivery_ids is not None:
        due = due.filter(pk__in=delivery_ids)
    due = due.order_by("next_attempt_at", "id")
    if connection.vendor == "postgresql":
        with transaction.atomic():
            picked = list(due.select_for_update(no_key=True, skip_locked=True).values_list("pk", flat=True)[:limit])
            Delivery.objects.filter(pk__in=picked).update(next_attempt_at=lease)
        return picked, lease
    picked = []
    for pk, at in list(due.values_list("pk", "next_attempt_at")[:limit]):
        if Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING, next_attempt_at=at).update(next_attempt_at=lease):
            picked.append(pk)
    return picked, lease


@dataclass
class _Prepared:
    delivery: Delivery
    url: str
    body: bytes
    headers: dict[str, str]
    stamp: int


def _prepare(delivery_id: str) -> _Prepared | None:
    delivery = Delivery.objects.select_related("endpoint", "event__audit_event").filter(pk=delivery_id).first()
    if delivery is None:
        return None  # its endpoint was deleted meanwhile
    body = event_body(delivery.event)
    # The signed timestamp is real time: receivers compare it with their own clock.
    stamp = int(system_clock.now().timestamp())
    headers = signing.headers(delivery.endpoint.secret, delivery.event.pk, stamp, body)
    return _Prepared(delivery, delivery.endpoint.url, body, headers, stamp)


def _record(prepared: _Prepared, outcome: tuple[int | None, str, int], lease: datetime, now: datetime,
            run: DeliveryRun) -> None:
    delivery, stamp = prepared.delivery, prepared.stamp
    status, error, duration = outcome
    ok = status is not None and 200 <= status < 300 and not error
    number = delivery.attempts + 1
    changes: dict = {"attempts": number, "last_status_code": status, "last_error": error}
    if ok:
        changes.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None)
    else:
        following = backoff.next_attempt_at(delivery.created_at, now, number)
        if following is None:
            changes.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        else:
            changes.update(next_attempt_at=following)
    with transaction.atomic():
        owned = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at=lease).update(**changes)
        if not owned:
            log.warning("webhook delivery %s: lease lost before its attempt was recorded", delivery.pk)
            return
        DeliveryAttempt.objects.create(
            delivery_id=delivery.pk, number=number, attempted_at=now, webhook_timestamp=stamp,
            status_code=status, error=error, duration_ms=duration, succeeded=ok,
        )
    run.attempts += 1
    if ok:
        run.succeeded += 1
    else:
        run.failed_attempts += 1
        if changes.get("status") == DeliveryStatus.FAILED:
            run.given_up += 1


def _send_all(prepared: list[_Prepared]) -> list[tuple[int | None, str, int]]:
    """POST every prepared delivery, several at once: a slow receiver holds one sender for the
    deadline at most, and the other tenants' deliveries go out beside it. No database access
    happens in the senders; reads before and writes after stay on this thread's connection."""
    if len(prepared) <= 1:
        return [post(p.url, p.body, p.headers) for p in prepared]
    with ThreadPoolExecutor(max_workers=min(_concurrency(), len(prepared)), thread_name_prefix="webhook-post") as pool:
        return list(pool.map(lambda p: post(p.url, p.body, p.headers), prepared))


def deliver_due(now: datetime | None = None, limit: int = 100, delivery_ids: list[str] | None = None) -> DeliveryRun:
    """Claim up to `limit` deliveries due at `now` (default: real time) and attempt each once.

    Safe to call from any number of workers at once: each delivery is claimed by one.
    """
    now = now or system_clock.now()
    run = DeliveryRun()
    if limit <= 0:
        return run
    picked, lease = _claim(now, limit, delivery_ids)
    run.claimed = len(picked)
    prepared = [p for p in (_prepare(pk) for pk in picked) if p is not None]
    for item, outcome in zip(prepared, _send_all(prepared), strict=True):
        _record(item, outcome, lease, now, run)
    return run
