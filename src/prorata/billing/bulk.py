"""The billing pass's hot path: plain renewals of a whole claimed batch in a few statements.

A "plain" renewal is the common case: an active subscription with recurring billing on, its
current period paid, renewing at its period end, for a tenant with no account credit, no credit
note settling by then and no webhook endpoint listening. For those, this module writes exactly
the rows the per-row path (`services.lifecycle`) writes — the period invoice and its `charge`
line, the Payment, the subscription's new period, the audit rows `invoice.issued`,
`invoice.paid` (or `invoice.payment_failed`, and then `subscription.past_due` with its
StatusChange) and `subscription.renewed`, each with its webhook Event — but below the ORM:
psycopg's COPY on PostgreSQL, executemany on SQLite. On this machine that is the difference
between ~30k and ~200k rows/s (docs/architecture.md, "Hot paths"). Every other subscription of
the batch goes back to the per-row path, in the same transaction.

It runs inside the batch's transaction, on rows already claimed (locked) by it, and keeps the
same keys: one period invoice per (subscription, period_start) is still enforced by the
database, so a second pass, a crashed pass or a second worker can never add one.
"""

from __future__ import annotations

import base64
import functools
import json
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from prorata.audit.models import AuditEvent
from prorata.core.actor import Actor
from prorata.core.clock import system_clock
from prorata.core.ids import new_id
from prorata.core.periods import boundary, local_date, period_index_at
from prorata.subscriptions.models import StatusChange, Subscription
from prorata.tenants.models import PaymentMethod, Tenant

from . import gateway
from .domain.schedule import RETRY_DAYS
from .models import CreditNote, Invoice, InvoiceLine, Payment
from .services.common import (
    INVOICE_SEQUENCE,
    django_language,
    format_number,
    product_name,
    reserve_numbers,
)

# Below this many plain renewals in a batch the per-row path is as fast; keep one path.
MIN_BULK = 1


_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789abcdefghjkmnpqrstvwxyz")


class _Ids:
    """Ids of `prorata.core.ids` format (prefix, 10 chars of milliseconds, 16 of randomness),
    made for a whole batch at once: one clock read, one urandom call, base32 in C."""

    def __init__(self) -> None:
        self._stamp = new_id("x")[2:12]

    def many(self, prefix: str, count: int) -> list[str]:
        raw = os.urandom(10 * count)
        text = base64.b32encode(raw).translate(_CROCKFORD).decode()
        head = f"{prefix}_{self._stamp}"
        return [head + text[16 * i:16 * i + 16] for i in range(count)]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model: Any, names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(n).column for n in names]


@functools.lru_cache(maxsize=1 << 16)
def _utc_text(value: datetime) -> str:
    # What Django's SQLite backend stores for an aware datetime: naive UTC, str() format.
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _same(value: datetime) -> datetime:
    return value


def datetime_adapter() -> Any:
    """A function turning an aware datetime into what the connection's driver takes."""
    return _same if connection.vendor == "postgresql" else _utc_text


def _dt(value: datetime) -> Any:
    return datetime_adapter()(value)


def write_rows(model: Any, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows (values in `names` order) by COPY on PostgreSQL, executemany elsewhere."""
    cols = _columns(model, names)
    quoted = ", ".join(connection.ops.quote_name(c) for c in cols)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {_table(model)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(cols))
            cursor.executemany(f"INSERT INTO {_table(model)} ({quoted}) VALUES ({marks})", list(rows))


def _update_subscriptions(rows: list[tuple[Any, ...]]) -> None:
    """(id, status, status_changed_at, period_start, period_end, next_action_at, payment_attempts)."""
    if not rows:
        return
    names = ["status", "status_changed_at", "current_period_start", "current_period_end", "next_action_at", "payment_attempts"]
    cols = _columns(Subscription, names)
    table = _table(Subscription)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS billing_sub_update (id varchar(40), status varchar(10), "
                "status_changed_at timestamptz, ps timestamptz, pe timestamptz, na timestamptz, pa smallint) "
                "ON COMMIT DELETE ROWS"
            )
            cursor.execute("TRUNCATE billing_sub_update")
            with cursor.cursor.copy("COPY billing_sub_update FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{c} = u.{a}" for c, a in zip(cols, ["status", "status_changed_at", "ps", "pe", "na", "pa"], strict=True))
            cursor.execute(f"UPDATE {table} AS s SET {sets} FROM billing_sub_update u WHERE s.id = u.id")
        else:
            sets = ", ".join(f"{c} = %s" for c in cols)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", [(*r[1:], r[0]) for r in rows])


def _next_audit_ids(count: int) -> list[int]:
    if count == 0:
        return []
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [r[0] for r in cursor.fetchall()]
        # SQLite: the batch holds the write lock (BEGIN IMMEDIATE), so max(id) cannot move.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_table(AuditEvent)}")
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))


def _plain(subs: list[Subscription], bound_of: dict[str, datetime]) -> list[Subscription]:
    """The subscriptions of the batch whose work is a plain renewal (see the module docstring)."""
    from prorata.webhooks.models import WebhookEndpoint

    if WebhookEndpoint.objects.filter(tenant__isnull=True).exists():
        return []
    candidates = [
        s for s in subs
        if s.status == "active" and s.recurring_billing and s.canceled_at is None and s.payment_attempts == 0
        and s.next_action_at == s.current_period_end
    ]
    if not candidates:
        return []
    tenant_ids = {s.tenant_id for s in candidates}
    latest = max(s.current_period_end for s in candidates)
    excluded: set[str] = set()
    excluded |= set(Tenant.objects.filter(pk__in=tenant_ids, credit_balance__gt=0).values_list("pk", flat=True))
    excluded |= set(
        CreditNote.objects.filter(tenant_id__in=tenant_ids, status="pending", settles_on__lte=latest)
        .values_list("tenant_id", flat=True)
    )
    excluded |= set(WebhookEndpoint.objects.filter(tenant_id__in=tenant_ids).values_list("tenant_id", flat=True))
    open_current = set(
        Invoice.objects.filter(
            Q(subscription_id__in=[s.pk for s in candidates]), kind="period", status="open",
        ).values_list("subscription_id", "period_start")
    )
    return [
        s for s in candidates
        if s.tenant_id not in excluded and (s.pk, s.current_period_start) not in open_current
    ]


class _Texts:
    """Translated line descriptions, looked up once per language and product."""

    def __init__(self) -> None:
        self._templates: dict[str, str] = {}
        self._products: dict[tuple[str, str], str] = {}

    def template(self, language: str) -> str:
        if language not in self._templates:
            with translation.override(django_language(language)):
                self._templates[language] = gettext("%(product)s × %(quantity)s, %(start)s – %(end)s")
        return self._templates[language]

    def product(self, plan: Any, language: str) -> str:
        key = (plan.product_id, language)
        if key not in self._products:
            self._products[key] = product_name(plan.product, language)
        return self._products[key]


def _sub_snapshot(s: Subscription, status: str, start: datetime, end: datetime, next_at: datetime | None) -> dict[str, Any]:
    return {
        "status": status, "quantity": s.quantity, "recurring_billing": s.recurring_billing,
        "current_period_start": _iso(start), "current_period_end": _iso(end), "trial_end": _iso(s.trial_end),
        "canceled_at": None, "cancel_reason": s.cancel_reason, "cancel_assisted": s.cancel_assisted,
        "next_action_at": _iso(next_at),
    }


def renew_simple(subs: list[Subscription], *, actor: Actor, result: Any) -> list[Subscription]:
    """Renew the plain renewals of a claimed batch in bulk; return the rest for the per-row path."""
    bound_of = {s.pk: s.next_action_at for s in subs}
    plain = _plain(subs, bound_of)
    if len(plain) < MIN_BULK:
        return subs
    methods = dict(
        PaymentMethod.objects.filter(tenant_id__in={s.tenant_id for s in plain}, is_default=True)
        .values_list("tenant_id", "id")
    )
    tokens = dict(PaymentMethod.objects.filter(pk__in=list(methods.values())).values_list("id", "gateway_token"))
    plain = [s for s in plain if s.tenant_id in methods]
    if not plain:
        return subs
    done = {s.pk for s in plain}
    texts = _Texts()
    from prorata.webhooks.domain.events import is_event_type

    invoices, lines, payments, updates, audits, changes = [], [], [], [], [], []
    ids_for = _Ids()
    invoice_ids = iter(ids_for.many("in", len(plain)))
    payment_ids = iter(ids_for.many("pay", len(plain)))
    for s in plain:
        tenant, plan = s.tenant, s.plan
        tz, interval = tenant.timezone, plan.interval
        start = s.current_period_end
        n = period_index_at(s.billing_anchor, interval, start, tz)  # type: ignore[arg-type]
        end = boundary(s.billing_anchor, interval, n + 1, tz)  # type: ignore[arg-type]
        amount = s.quantity * plan.unit_amount
        invoice_id = next(invoice_ids)
        before = _sub_snapshot(s, s.status, s.current_period_start, s.current_period_end, s.next_action_at)
        pm = methods[s.tenant_id]
        if amount > 0:
            charge = gateway.charge(tokens[pm], amount, plan.currency, idempotency_key=f"{invoice_id}:1")
            ok, failure = charge.succeeded, charge.failure_code
        else:
            ok, failure = True, ""
        desc = texts.template(tenant.language) % {
            "product": texts.product(plan, tenant.language), "quantity": s.quantity,
            "start": local_date(start, tz).isoformat(), "end": local_date(end, tz).isoformat(),
        }
        invoice = {
            "id": invoice_id, "subscription": s.pk, "kind": "period", "status": "paid" if ok else "open",
            "currency": plan.currency, "period_start": _iso(start), "period_end": _iso(end),
            "subtotal": amount, "credit_applied": 0, "total": amount, "amount_paid": amount if ok else 0,
        }
        invoices.append([invoice_id, tenant.pk, s.pk, "period", plan.currency, start, end, start,
                         "paid" if ok else "open", amount, 0, amount, amount if ok else 0, start if ok else None, start])
        lines.append([tenant.pk, invoice_id, "charge", desc, s.quantity, plan.unit_amount, amount, start, end])
        events = [("invoice.issued", "invoice", invoice_id, None, {**invoice, "status": "open", "amount_paid": 0})]
        if amount > 0:
            payment_id = next(payment_ids)
            payments.append([payment_id, tenant.pk, invoice_id, pm, 1, amount, plan.currency,
                             "succeeded" if ok else "failed", "" if ok else (failure or "card_declined"), start])
        if ok:
            events.append(("invoice.paid", "invoice", invoice_id, None, invoice))
            after = _sub_snapshot(s, "active", start, end, end)
            events.append(("subscription.renewed", "subscription", s.pk, before, after))
            updates.append((s.pk, "active", s.status_changed_at, start, end, end, 0))
        else:
            retry = start + timedelta(days=RETRY_DAYS[0])
            events.append(("invoice.payment_failed", "invoice", invoice_id, None, {**invoice, "payment": {
                "id": payment_id, "invoice": invoice_id, "attempt": 1, "amount": amount, "currency": plan.currency,
                "status": "failed", "failure_code": failure or "card_declined", "payment_method": pm}}))
            after = _sub_snapshot(s, "past_due", start, end, retry)
            events.append(("subscription.past_due", "subscription", s.pk, before, after))
            updates.append((s.pk, "past_due", start, start, end, retry, 1))
            changes.append([tenant.pk, s.pk, "active", "past_due", "renewal_failed", start, actor.ref])
        for action, obj_type, obj_id, b, a in events:
            audits.append((tenant.pk, action, obj_type, obj_id, b, a, start))

    _dt = datetime_adapter()  # noqa: N806 - one lookup per batch, not per value
    ids = _next_audit_ids(len(audits))
    recorded = _dt(system_clock.now())
    audit_rows = [
        [i, t, actor.ref, actor.label, action, ot, oid, json.dumps(b) if b is not None else None, json.dumps(a), _dt(at), recorded]
        for i, (t, action, ot, oid, b, a, at) in zip(ids, audits, strict=True)
    ]
    from prorata.webhooks.models import Event

    event_ids = iter(ids_for.many("evt", len(audits)))
    # An event's data is its audit row's (Event.data).
    event_rows = [
        [next(event_ids), t, action, _dt(at), i]
        for i, (t, action, _ot, _oid, _b, _a, at) in zip(ids, audits, strict=True) if is_event_type(action)
    ]
    # Children first: foreign keys are checked at commit (Django creates them DEFERRABLE
    # INITIALLY DEFERRED), so the invoices, which take the gap-free numbers under the
    # sequence's row lock, go last and the lock is held as briefly as possible.
    write_rows(InvoiceLine, ["tenant", "invoice", "kind", "description", "quantity", "unit_amount", "amount", "period_start", "period_end"],
               ([r[0], r[1], r[2], r[3], r[4], r[5], r[6], _dt(r[7]), _dt(r[8])] for r in lines))
    write_rows(Payment, ["id", "tenant", "invoice", "payment_method", "attempt", "amount", "currency", "status", "failure_code", "created_at"],
               ([*r[:9], _dt(r[9])] for r in payments))
    write_rows(AuditEvent, ["id", "tenant", "actor", "actor_label", "action", "object_type", "object_id", "before", "after", "occurred_at", "recorded_at"],
               audit_rows)
    write_rows(Event, ["id", "tenant", "type", "created_at", "audit_event"], event_rows)
    if changes:
        write_rows(StatusChange, ["tenant", "subscription", "from_status", "to_status", "event", "at", "actor"],
                   ([*r[:5], _dt(r[5]), r[6]] for r in changes))
    _update_subscriptions([(u[0], u[1], _dt(u[2]), _dt(u[3]), _dt(u[4]), _dt(u[5]), u[6]) for u in updates])
    first = reserve_numbers(INVOICE_SEQUENCE, len(invoices))
    write_rows(
        Invoice,
        ["id", "tenant", "subscription", "kind", "currency", "period_start", "period_end", "issued_at", "status",
         "subtotal", "credit_applied", "total", "amount_paid", "paid_at", "created_at", "number"],
        ([*r[:5], _dt(r[5]), _dt(r[6]), _dt(r[7]), *r[8:13], _dt(r[13]) if r[13] else None, _dt(r[14]),
          format_number(INVOICE_SEQUENCE, first + k)] for k, r in enumerate(invoices)),
    )
    result.subscriptions += len(plain)
    result.renewals += len(plain)
    return [s for s in subs if s.pk not in done]
