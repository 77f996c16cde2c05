"""The outbox: an Event, and a Delivery per listening endpoint, written beside the audit row.

Called by `audit_record` inside the transaction of the change, so an event exists exactly when
its change was committed; the deliveries are handed to a worker only after that commit.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q

from prorata.audit.models import AuditEvent
from prorata.core.clock import system_clock

from .domain.events import is_event_type, subscribed
from .models import Delivery, Event, WebhookEndpoint

log = logging.getLogger(__name__)


def outbox_append(audit: AuditEvent) -> Event | None:
    """The event for an audit row whose action is a webhook event type, else None."""
    if not is_event_type(audit.action):
        return None
    obj = audit.after if audit.after is not None else audit.before
    event = Event.objects.create(
        tenant_id=audit.tenant_id,
        type=audit.action,
        data={"object": obj},
        created_at=audit.occurred_at,
        audit_event=audit,
    )
    listeners = WebhookEndpoint.objects.filter(Q(tenant__isnull=True) | Q(tenant_id=audit.tenant_id))
    matching = [e for e in listeners.only("id", "events") if subscribed(e.events or [], event.type)]
    if not matching:
        return event
    # Retries are about the receiver being up, so they run on real time, not the tenant's clock.
    now = system_clock.now()
    deliveries = Delivery.objects.bulk_create([
        Delivery(tenant_id=audit.tenant_id, endpoint_id=e.pk, event=event, next_attempt_at=now, created_at=now)
        for e in matching
    ])
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: _enqueue(ids))
    return event


def _enqueue(delivery_ids: list[str]) -> None:
    from .tasks import deliver_webhooks

    try:
        deliver_webhooks.enqueue(delivery_ids=delivery_ids)
    except Exception:
        # Nothing is lost: the sweep (`deliver_due`) picks up every pending delivery.
        log.warning("could not enqueue %d webhook deliveries; the sweep will send them", len(delivery_ids), exc_info=True)
