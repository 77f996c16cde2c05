"""The outbox: an Event, and a Delivery per listening endpoint, written beside the audit row.

Called by `audit_record` inside the transaction of the change, so an event exists exactly when
its change was committed; the deliveries are handed to a worker only after that commit.
A batch path that writes audit rows with `bulk_create` calls `outbox_append_many` with them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q

from prorata.audit.models import AuditEvent
from prorata.core.clock import system_clock

from .domain.events import is_event_type, subscribed
from .models import Delivery, Event, WebhookEndpoint

log = logging.getLogger(__name__)
ENQUEUE_CHUNK = 100


def outbox_append(audit: AuditEvent) -> Event | None:
    """The event for an audit row whose action is a webhook event type, else None."""
    events = outbox_append_many([audit])
    return events[0] if events else None


def outbox_append_many(audits: Sequence[AuditEvent]) -> list[Event]:
    """Events for the webhook-worthy audit rows (already saved), with their deliveries."""
    worthy = [a for a in audits if is_event_type(a.action)]
    if not worthy:
        return []
    events = Event.objects.bulk_create([
        # Its data is the audit row's (Event.data).
        Event(tenant_id=a.tenant_id, type=a.action, created_at=a.occurred_at, audit_event=a)
        for a in worthy
    ])
    tenants = {e.tenant_id for e in events}
    tenant_filter = Q(tenant__isnull=True) | Q(tenant_id__in=[t for t in tenants if t is not None])
    listeners = list(WebhookEndpoint.objects.filter(tenant_filter).only("id", "tenant_id", "events"))
    if not listeners:
        return events
    # Retries are about the receiver being up, so they run on real time, not the tenant's clock.
    now = system_clock.now()
    deliveries = Delivery.objects.bulk_create([
        Delivery(tenant_id=event.tenant_id, endpoint_id=endpoint.pk, event=event, next_attempt_at=now, created_at=now)
        for event in events
        for endpoint in listeners
        if endpoint.tenant_id in (None, event.tenant_id) and subscribed(endpoint.events or [], event.type)
    ])
    ids = [d.pk for d in deliveries]
    for start in range(0, len(ids), ENQUEUE_CHUNK):
        chunk = ids[start:start + ENQUEUE_CHUNK]
        transaction.on_commit(lambda chunk=chunk: _enqueue(chunk))
    return events


def _enqueue(delivery_ids: list[str]) -> None:
    from .tasks import deliver_webhooks

    try:
        deliver_webhooks.enqueue(delivery_ids=delivery_ids)
    except Exception:
        # Nothing is lost: the sweep (`deliver_due`) picks up every pending delivery.
        log.warning("could not enqueue %d webhook deliveries; the sweep will send them", len(delivery_ids), exc_info=True)
