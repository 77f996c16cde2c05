"""Reads of invoices, credit notes, refunds and payments, always scoped by the actor's tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from prorata.core.actor import Actor
from prorata.core.errors import NotFound
from prorata.pagination import paginate
from prorata.tenants.models import Tenant

from .models import CreditApplication, CreditNote, Invoice, InvoiceLine, Payment, Refund


def _scoped(qs: QuerySet, actor: Actor, tenant_id: str | None) -> QuerySet:
    if not (actor.is_staff or actor.kind == "system"):
        if actor.tenant_id is None:
            return qs.none()
        if tenant_id is not None and tenant_id != actor.tenant_id:
            raise NotFound("not_found", object="tenant", id=tenant_id)
        qs = qs.filter(tenant_id=actor.tenant_id)
    if tenant_id is not None:
        qs = qs.filter(tenant_id=tenant_id)
    return qs


def _tenant_id(tenant: Tenant | str | None) -> str | None:
    if tenant is None or isinstance(tenant, str):
        return tenant
    return tenant.pk


def invoices_for(*, actor: Actor, tenant: Tenant | str | None = None, subscription_id: str | None = None) -> QuerySet[Invoice]:
    qs = _scoped(Invoice.objects.all(), actor, _tenant_id(tenant))
    if subscription_id:
        qs = qs.filter(subscription_id=subscription_id)
    return qs.prefetch_related("lines")


def invoices_page(*, actor: Actor, tenant: Tenant | str | None = None, subscription_id: str | None = None,
                  limit: int | None = None, starting_after: str | None = None) -> tuple[list[Invoice], bool]:
    return paginate(invoices_for(actor=actor, tenant=tenant, subscription_id=subscription_id), limit, starting_after)


def invoices_list(*, actor: Actor, tenant: Tenant | str | None = None, subscription_id: str | None = None) -> list[Invoice]:
    """Every invoice visible to the actor (of `tenant` if given), oldest first."""
    return list(invoices_for(actor=actor, tenant=tenant, subscription_id=subscription_id).order_by("id"))


def invoice_get(*, actor: Actor, invoice_id: str, tenant: Tenant | str | None = None) -> Invoice:
    invoice = _scoped(Invoice.objects.all(), actor, _tenant_id(tenant)).prefetch_related("lines").filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound("not_found", object="invoice", id=invoice_id)
    return invoice


def credit_notes_for(*, actor: Actor, tenant: Tenant | str | None = None, subscription_id: str | None = None) -> QuerySet[CreditNote]:
    qs = _scoped(CreditNote.objects.all(), actor, _tenant_id(tenant))
    if subscription_id:
        qs = qs.filter(subscription_id=subscription_id)
    return qs


def credit_notes_page(*, actor: Actor, tenant: Tenant | str | None = None, subscription_id: str | None = None,
                      limit: int | None = None, starting_after: str | None = None) -> tuple[list[CreditNote], bool]:
    return paginate(credit_notes_for(actor=actor, tenant=tenant, subscription_id=subscription_id), limit, starting_after)


def credit_notes_list(*, actor: Actor, tenant: Tenant | str | None = None, subscription_id: str | None = None) -> list[CreditNote]:
    """Every credit note visible to the actor (of `tenant` if given), oldest first."""
    return list(credit_notes_for(actor=actor, tenant=tenant, subscription_id=subscription_id).order_by("id"))


def refunds_for(*, actor: Actor, tenant: Tenant | str | None = None) -> QuerySet[Refund]:
    return _scoped(Refund.objects.all(), actor, _tenant_id(tenant))


def refunds_page(*, actor: Actor, tenant: Tenant | str | None = None, limit: int | None = None,
                 starting_after: str | None = None) -> tuple[list[Refund], bool]:
    return paginate(refunds_for(actor=actor, tenant=tenant), limit, starting_after)


def refunds_list(*, actor: Actor, tenant: Tenant | str | None = None) -> list[Refund]:
    return list(refunds_for(actor=actor, tenant=tenant).order_by("id"))


def payments_list(*, actor: Actor, tenant: Tenant | str | None = None, invoice_id: str | None = None) -> list[Payment]:
    qs = _scoped(Payment.objects.all(), actor, _tenant_id(tenant))
    if invoice_id:
        qs = qs.filter(invoice_id=invoice_id)
    return list(qs.order_by("id"))


_PERIOD_SQL: str | None = None


def _period_invoices(subscription: Any, period_start: datetime) -> tuple[list[Invoice], dict[str, list[InvoiceLine]]]:
    """The period's invoice and the paid plan-change invoices ending with the period, with their
    lines by invoice id (in id order), in one statement (prorata.platform.hotpath: this read is
    part of every cancellation decision)."""
    global _PERIOD_SQL
    from django.db import connection

    from prorata.platform import hotpath
    from prorata.platform.hotpath import quote as q

    if _PERIOD_SQL is None:
        inv, line = q(Invoice._meta.db_table), q(InvoiceLine._meta.db_table)
        _PERIOD_SQL = (
            f"SELECT {hotpath.select_list(Invoice, Invoice._meta.db_table)}, "
            f"{hotpath.select_list(InvoiceLine, InvoiceLine._meta.db_table)} "
            f"FROM {inv} LEFT JOIN {line} ON {line}.{q('invoice_id')} = {inv}.{q('id')} "
            f"WHERE {inv}.{q('tenant_id')} = %s AND {inv}.{q('subscription_id')} = %s AND "
            f"(({inv}.{q('kind')} = 'period' AND {inv}.{q('period_start')} = %s) OR "
            f"({inv}.{q('kind')} = 'change' AND {inv}.{q('period_end')} = %s AND {inv}.{q('status')} = 'paid')) "
            f"ORDER BY {inv}.{q('id')}, {line}.{q('id')}"
        )
    adapt = connection.ops.adapt_datetimefield_value
    params = [subscription.tenant_id, subscription.pk, adapt(period_start), adapt(subscription.current_period_end)]
    invoices: dict[str, Invoice] = {}
    lines: dict[str, list[InvoiceLine]] = {}
    at = hotpath.width(Invoice)
    for row in hotpath.fetch(_PERIOD_SQL, params):
        invoice_id = row[0]
        if invoice_id not in invoices:
            invoices[invoice_id] = hotpath.instance(Invoice, row)
            lines[invoice_id] = []
        if row[at] is not None:
            lines[invoice_id].append(hotpath.instance(InvoiceLine, row, at))
    return list(invoices.values()), lines


def paid_for_period(*, subscription: Any, period_start: datetime) -> tuple[Invoice | None, int, int]:
    """The period's invoice, the full-period value of the seats it charged for, and the unit amount.

    The amount is read from the invoice lines, never from today's price: the `charge` line's
    unit amount × the seats held now (seats added mid-period were charged by `proration`
    lines at that same unit amount; removed ones were credited), before any credit applied —
    credit applied was the tenant's own money. With no seat change since the invoice it is
    exactly the `charge` line's amount. Proration of this amount to the unused part of the
    period therefore credits every seat only for the time it was paid for.
    """
    # The period's invoice and, read in the same query, any plan change made now in that period
    # (an invoice of kind `change` ending with it): that one credited the old plan's rest and
    # charged the new plan's from the change on, so from then the seats are worth the new unit
    # amount for the whole period (the change invoice prorated on that basis).
    rows, lines = _period_invoices(subscription, period_start)
    invoice = next((i for i in rows if i.kind == "period"), None)
    if invoice is None:
        return None, 0, 0
    line = next((x for x in lines[invoice.pk] if x.kind == "charge"), None)
    if line is None:
        return invoice, 0, 0
    unit = int(line.unit_amount)
    changes = sorted((i for i in rows if i.kind == "change" and i.issued_at >= invoice.period_start),
                     key=lambda i: (i.issued_at, i.pk))
    if changes:
        new = next((x for x in lines[changes[-1].pk] if x.kind == "proration"), None)
        if new is not None:
            return invoice, int(new.unit_amount) * int(subscription.quantity), int(new.unit_amount)
    if line.quantity == subscription.quantity:
        return invoice, int(line.amount), unit
    return invoice, unit * int(subscription.quantity), unit


def credit_history(*, actor: Actor, tenant: Tenant, limit: int = 200) -> list[dict[str, Any]]:
    """What happened to the tenant's credit, newest first: credit notes issued, each part of one
    applied to an invoice, added to the credit balance or refunded, and the balance spent on
    invoices. `balance_change` is set on the rows that moved the credit balance and `balance`
    is the balance after them, counted back from the tenant's balance now."""
    tid = _tenant_id(tenant)
    rows: list[dict[str, Any]] = []
    for note in _scoped(CreditNote.objects.all(), actor, tid).order_by("-created_at", "-id")[:limit]:
        rows.append({"at": note.created_at, "kind": "credit_note", "note": note, "amount": note.amount, "order": 0})
    applications = (_scoped(CreditApplication.objects.all(), actor, tid).select_related("credit_note", "invoice")
                    .order_by("-created_at", "-id")[:limit])
    for app in applications:
        if app.credit_note_id and app.invoice_id:
            kind, change = "applied", 0
        elif app.credit_note_id:
            kind, change = "to_balance", app.amount
        else:
            kind, change = "balance_spent", -app.amount
        rows.append({"at": app.created_at, "kind": kind, "note": app.credit_note, "invoice": app.invoice,
                     "amount": app.amount, "balance_change": change, "order": 1})
    for refund in _scoped(Refund.objects.all(), actor, tid).select_related("credit_note").order_by("-created_at", "-id")[:limit]:
        rows.append({"at": refund.created_at, "kind": "refund", "note": refund.credit_note, "refund": refund,
                     "amount": refund.amount, "order": 2})
    rows.sort(key=lambda r: (r["at"], r["order"]), reverse=True)
    balance = int(Tenant.objects.filter(pk=tid).values_list("credit_balance", flat=True).first() or 0)
    for row in rows:
        if row.get("balance_change"):
            row["balance"] = balance
            balance -= row["balance_change"]
    return rows[:limit]
