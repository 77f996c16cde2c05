"""The one writer: every row a transaction's outcome consists of, written table by table, set-based.

A service (or the billing pass, for thousands of subscriptions at once) collects its rows in a
`Changes` — inserts, updates by primary key, audit rows — and calls `flush()` inside its
transaction. `flush` writes them with one statement per table and field set (COPY on
PostgreSQL, executemany on SQLite), whatever the batch size, one included, so a single
purchase and a million renewals write the very same rows the same way.

Around the rows it is given, `flush` adds what every change implies:
- invoice numbers, gap-free, taken under the sequence's row lock (a rolled-back transaction
  gives its numbers back with its invoices);
- for each audit row whose action is a webhook event type, the event (its `data.object` is the
  audit row's object: the API schema of the object, see docs/events.md) and one delivery per
  endpoint listening for it, handed to the delivery worker after commit;
- for each such event, the e-mail notices it makes (prorata.notifications.derive), sent after
  commit by the worker.

Payloads may be given as zero-argument callables: they are built at flush, once the invoice
numbers they show are known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q

from prorata.core.actor import Actor
from prorata.core.clock import system_clock
from prorata.core.ids import new_ids

from . import bulk

Payload = dict[str, Any] | Callable[[], dict[str, Any] | None] | None

INVOICE_SEQUENCE = "invoice"
CREDIT_NOTE_SEQUENCE = "credit_note"
NUMBER_PREFIXES = {INVOICE_SEQUENCE: "INV", CREDIT_NOTE_SEQUENCE: "CN"}
# Deliveries handed to the worker one task per this many (the sweep sends any that are missed).
ENQUEUE_CHUNK = 100
# Above this many deliveries in one flush, one sweep task is queued instead of one per chunk.
ENQUEUE_AS_SWEEP = 1000


def format_number(sequence: str, value: int) -> str:
    return f"{NUMBER_PREFIXES[sequence]}-{value:06d}"


def reserve_numbers(sequence: str, count: int = 1) -> int:
    """Reserve `count` consecutive numbers of a gap-free sequence and return the first.

    The counter row stays locked until the caller's transaction ends, so numbers are gap-free:
    a rolled-back transaction gives its numbers back with its documents.
    """
    from prorata.billing.models import NumberSequence

    if count < 1:
        raise ValueError("reserve at least one number")
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET next_value = next_value + %s WHERE name = %s RETURNING next_value", [count, sequence])
        row = cursor.fetchone()
    if row is not None:
        return int(row[0]) - count
    from django.db import IntegrityError

    try:
        with transaction.atomic():
            NumberSequence.objects.create(name=sequence, next_value=1 + count)
        return 1
    except IntegrityError:  # created by a concurrent transaction meanwhile
        return reserve_numbers(sequence, count)


@dataclass(slots=True)
class _Audit:
    tenant_id: str | None
    actor: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    at: datetime
    before: Payload
    after: Payload
    details: dict[str, Any] | None


def _built(payload: Payload) -> dict[str, Any] | None:
    return payload() if callable(payload) else payload


class Changes:
    """The rows of one transaction's outcome, by table, until `flush` writes them."""

    def __init__(self) -> None:
        self._inserts: dict[tuple[type[models.Model], tuple[str, ...]], list[dict[str, Any]]] = {}
        self._updates: dict[tuple[type[models.Model], tuple[str, ...]], dict[Any, dict[str, Any]]] = {}
        self._deletes: dict[type[models.Model], list[Any]] = {}
        self._numbered: list[tuple[str, dict[str, Any]]] = []
        self._audits: list[_Audit] = []
        self.audit_ids: list[int] = []
        self.event_ids: list[str] = []
        self.delivery_ids: list[str] = []
        self.notice_ids: list[str] = []

    def __bool__(self) -> bool:
        return bool(self._inserts or self._updates or self._deletes or self._audits)

    # -- collecting -----------------------------------------------------------------------

    def insert(self, model: type[models.Model], values: dict[str, Any], *, number: str | None = None) -> dict[str, Any]:
        """A row to insert; `values` is kept by reference, so its `number` (when `number` names
        a sequence) is filled in at flush, before any payload that shows it is built."""
        if number is not None:
            values["number"] = None
            self._numbered.append((number, values))
        self._inserts.setdefault((model, tuple(values)), []).append(values)
        return values

    def update(self, model: type[models.Model], pk: Any, **values: Any) -> None:
        """Set these fields of the row `pk` (a later update of the same row and fields wins)."""
        self._updates.setdefault((model, tuple(values)), {})[pk] = values

    def delete(self, model: type[models.Model], pk: Any) -> None:
        self._deletes.setdefault(model, []).append(pk)

    def audit(
        self, *, actor: Actor, tenant_id: str | None, action: str, object_type: str, object_id: str, at: datetime,
        before: Payload = None, after: Payload = None, details: dict[str, Any] | None = None,
    ) -> None:
        """An audit row; when `action` is a webhook event type, its event and deliveries too.

        For event types `after` (or `before`, for a removal) is the object's API schema.
        """
        self._audits.append(_Audit(tenant_id, actor.ref, actor.label, action, object_type, object_id, at,
                                   before, after, details))

    # -- writing --------------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything collected, inside the caller's transaction, then forget it."""
        if not self:
            return
        if not connection.in_atomic_block:
            raise RuntimeError("Changes.flush() runs inside the transaction of the change it writes")
        self._number()
        for model, pks in self._deletes.items():
            bulk.delete_returning(model, pks)
        for (model, names), rows in self._updates.items():
            bulk.update_rows(model, names, [(pk, *v.values()) for pk, v in rows.items()])
        self._write_audits()
        for (model, names), rows in self._inserts.items():
            bulk.insert_rows(model, names, [tuple(r.values()) for r in rows])
        self._inserts.clear()
        self._updates.clear()
        self._deletes.clear()
        self._numbered.clear()

    def _number(self) -> None:
        by_sequence: dict[str, list[dict[str, Any]]] = {}
        for sequence, values in self._numbered:
            by_sequence.setdefault(sequence, []).append(values)
        for sequence, rows in sorted(by_sequence.items()):
            first = reserve_numbers(sequence, len(rows))
            for k, values in enumerate(rows):
                values["number"] = format_number(sequence, first + k)

    def _write_audits(self) -> None:
        from prorata.audit.models import AuditEvent
        from prorata.webhooks.domain.events import is_event_type
        from prorata.webhooks.models import Delivery, Event

        audits = self._audits
        if not audits:
            return
        self._audits = []
        ids = bulk.reserve_serial_ids(AuditEvent, len(audits))
        recorded = system_clock.now()
        rows = []
        worthy = []
        for i, a in zip(ids, audits, strict=True):
            before, after = _built(a.before), _built(a.after)
            rows.append((i, a.tenant_id, a.actor, a.actor_label, a.action, a.object_type, a.object_id,
                         before, after, a.details, a.at, recorded))
            if is_event_type(a.action):
                worthy.append((i, a, after if after is not None else before))
        bulk.insert_rows(AuditEvent, ["id", "tenant", "actor", "actor_label", "action", "object_type", "object_id",
                                      "before", "after", "details", "occurred_at", "recorded_at"], rows)
        self.audit_ids.extend(ids)
        if not worthy:
            return
        event_ids = new_ids("evt", len(worthy))
        bulk.insert_rows(Event, ["id", "tenant", "type", "created_at", "audit_event"],
                         [(e, a.tenant_id, a.action, a.at, i) for e, (i, a, _o) in zip(event_ids, worthy, strict=True)])
        self.event_ids.extend(event_ids)
        # The e-mail notices these events make, in this same transaction (prorata.notifications.derive).
        from prorata.notifications.derive import EventFacts, notices_for_events

        self.notice_ids.extend(notices_for_events([
            EventFacts(e, a.tenant_id, a.action, a.at, obj, a.details)
            for e, (_i, a, obj) in zip(event_ids, worthy, strict=True)
        ]))
        deliveries = list(_deliveries(zip(event_ids, (a for _, a, _o in worthy), strict=True)))
        if not deliveries:
            return
        # Retries are about the receiver being up, so they run on real time, not the tenant's clock.
        now = system_clock.now()
        delivery_ids = new_ids("whd", len(deliveries))
        bulk.insert_rows(Delivery, ["id", "tenant", "endpoint", "event", "status", "attempts", "next_attempt_at",
                                    "last_error", "created_at"],
                         [(d, t, endpoint, event, "pending", 0, now, "", now)
                          for d, (event, t, endpoint) in zip(delivery_ids, deliveries, strict=True)])
        self.delivery_ids.extend(delivery_ids)
        _enqueue_after_commit(delivery_ids)


def _deliveries(events: Iterable[tuple[str, _Audit]]) -> Iterable[tuple[str, str | None, str]]:
    """(event id, tenant id, endpoint id) for every endpoint listening for each event."""
    from prorata.webhooks.domain.events import subscribed
    from prorata.webhooks.models import WebhookEndpoint

    events = list(events)
    tenants = {a.tenant_id for _, a in events if a.tenant_id is not None}
    listeners = list(
        WebhookEndpoint.objects.filter(Q(tenant__isnull=True) | Q(tenant_id__in=tenants)).values_list("id", "tenant_id", "events")
    )
    if not listeners:
        return
    # Which endpoints receive an event depends on its tenant and type alone: work it out once each.
    receivers: dict[tuple[str | None, str], list[str]] = {}
    for event_id, a in events:
        key = (a.tenant_id, a.action)
        targets = receivers.get(key)
        if targets is None:
            targets = receivers[key] = [
                endpoint_id for endpoint_id, endpoint_tenant, filters in listeners
                if endpoint_tenant in (None, a.tenant_id) and subscribed(filters or [], a.action)
            ]
        for endpoint_id in targets:
            yield event_id, a.tenant_id, endpoint_id


def _enqueue_after_commit(delivery_ids: Sequence[str]) -> None:
    from prorata.webhooks.outbox import enqueue_deliveries, enqueue_sweep_soon

    if len(delivery_ids) > ENQUEUE_AS_SWEEP:
        transaction.on_commit(enqueue_sweep_soon)
        return
    for start in range(0, len(delivery_ids), ENQUEUE_CHUNK):
        chunk = list(delivery_ids[start:start + ENQUEUE_CHUNK])
        transaction.on_commit(lambda chunk=chunk: enqueue_deliveries(chunk))
