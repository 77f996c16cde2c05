"""Issuing invoices, recording payments on them, and spending the tenant's credit: the rows of a
planned invoice (billing.domain.renewal.InvoicePlan) for the one writer (platform.writer).

These functions only add rows to a `Changes`; the caller's transaction flushes them. Amounts
come from the plan alone: nothing here computes money.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F

from prorata.core.ids import new_id
from prorata.platform.writer import INVOICE_SEQUENCE, Changes
from prorata.tenants.models import Tenant

from ..domain.renewal import BALANCE, Charge, ChargeResult, Credit, InvoicePlan
from ..models import CreditApplication, CreditNote, Invoice, InvoiceLine, Payment
from ..schemas import invoice_values_out
from .common import (
    charge_description,
    credit_description,
    discount_description,
    proration_description,
    unused_time_description,
)


@dataclass
class IssuedInvoice:
    """An invoice written into a `Changes`: its column values and lines (numbered at flush)."""

    values: dict[str, Any]
    lines: list[dict[str, Any]]

    @property
    def id(self) -> str:
        return str(self.values["id"])

    def payload(self, **overrides: Any) -> Callable[[], dict[str, Any]]:
        """The invoice's API schema at flush time (its number known), with `overrides`."""
        return lambda: invoice_values_out({**self.values, **overrides}, self.lines)

    def issued_payload(self) -> Callable[[], dict[str, Any]]:
        """The invoice as it was issued: open, nothing paid yet."""
        return self.payload(status="open", amount_paid=0, paid_at=None)


# Every language an invoice is read or printed in (the admin center's).
LINE_LANGUAGES = ("en", "zh-Hans")


def _line_text(line: Any, invoice_kind: str, language: str, product: str, previous_product: str, timezone: str,
               discount_percent: int) -> str:
    if line.kind == "charge" or (line.kind == "proration" and invoice_kind == "change"):
        return charge_description(language=language, product=product, quantity=line.quantity,
                                  start=line.period_start, end=line.period_end, tz=timezone)
    if line.kind == "proration":
        return proration_description(language=language, product=product, quantity=line.quantity,
                                     start=line.period_start, end=line.period_end, tz=timezone)
    if line.kind == "unused_time":
        return unused_time_description(language=language, product=previous_product, quantity=line.quantity,
                                       start=line.period_start, end=line.period_end, tz=timezone)
    if line.kind == "discount":
        return discount_description(language=language, percent=discount_percent)
    return credit_description(language=language, number=line.credit_number or None)


def invoice_issue(
    changes: Changes, *, tenant_id: str, subscription_id: str, plan: InvoicePlan, at: datetime, language: str,
    product: str, timezone: str, paid: int, previous_product: str = "",
    discount_percent: int = 0, products: dict[str, str] | None = None, previous_products: dict[str, str] | None = None,
    due_at: datetime | None = None,
) -> IssuedInvoice:
    """Add the invoice of `plan`, issued at `at`, with `paid` of its total paid already; `due_at`:
    a sent invoice's due date (pay by invoice).

    Lines as planned (charge or proration, then credit applied); each credit applied is also a
    CreditApplication (from the tenant's balance, or from a credit note). Each line's description
    is written in `language` and, in `translations`, in every admin-center language (`products`
    and `previous_products`: the product's name by language).
    """
    status = "paid" if paid >= plan.total else "open"
    values = changes.insert(Invoice, {
        "id": new_id("in"), "tenant_id": tenant_id, "subscription_id": subscription_id, "kind": plan.kind,
        "currency": plan.currency, "period_start": plan.period_start, "period_end": plan.period_end, "issued_at": at,
        "status": status, "subtotal": plan.subtotal, "credit_applied": plan.credit_applied, "total": plan.total,
        "amount_paid": paid, "paid_at": at if status == "paid" else None, "due_at": due_at, "created_at": at,
    }, number=INVOICE_SEQUENCE)
    lines = []
    names = {**(products or {}), language: product}
    previous_names = {**(previous_products or {}), language: previous_product or product}
    for line in plan.lines:
        texts = {lang: _line_text(line, plan.kind, lang, names.get(lang) or product,
                                  previous_names.get(lang) or previous_product or product, timezone, discount_percent)
                 for lang in dict.fromkeys((language, *LINE_LANGUAGES))}
        text = texts[language]
        if line.kind not in ("charge", "proration", "unused_time", "discount"):
            changes.insert(CreditApplication, {
                "tenant_id": tenant_id, "credit_note_id": None if line.credit_source == BALANCE else line.credit_source,
                "invoice_id": values["id"], "amount": -line.amount, "created_at": at,
            })
        lines.append(changes.insert(InvoiceLine, {
            "tenant_id": tenant_id, "invoice_id": values["id"], "kind": line.kind, "description": text, "translations": texts,
            "quantity": line.quantity, "unit_amount": line.unit_amount, "amount": line.amount,
            "period_start": line.period_start, "period_end": line.period_end,
        }))
    return IssuedInvoice(values, lines)


def invoice_paid(changes: Changes, invoice: Invoice, *, amount: int, at: datetime) -> IssuedInvoice:
    """Record `amount` more paid on an existing (locked) invoice; paid in full → `paid`."""
    invoice.amount_paid += amount
    fields: dict[str, Any] = {"amount_paid": invoice.amount_paid}
    if invoice.amount_paid >= invoice.total and invoice.status == "open":
        invoice.status, invoice.paid_at = "paid", at
        fields.update(status="paid", paid_at=at)
    changes.update(Invoice, invoice.pk, **fields)
    return existing_invoice(invoice)


def existing_invoice(invoice: Invoice) -> IssuedInvoice:
    from ..schemas import INVOICE_FIELDS, LINE_FIELDS

    values = {f: getattr(invoice, f) for f in INVOICE_FIELDS}
    lines = [{f: getattr(x, f) for f in LINE_FIELDS} for x in sorted(invoice.lines.all(), key=lambda x: x.pk)]
    return IssuedInvoice(values, lines)


def payment_record(
    changes: Changes, *, tenant_id: str, invoice_id: str | None, charge: Charge, result: ChargeResult, at: datetime,
) -> dict[str, Any]:
    """The Payment row of one charge attempt: its key, amount and the gateway's answer."""
    return changes.insert(Payment, {
        "id": new_id("pay"), "tenant_id": tenant_id, "invoice_id": invoice_id,
        "payment_method_id": charge.payment_method_id, "key": charge.key, "attempt": charge.attempt,
        "amount": charge.amount, "currency": charge.currency, "status": result.status,
        "failure_code": "" if result.status == "succeeded" else (result.failure_code or "card_declined"),
        "reference": result.reference, "created_at": at,
    })


def payment_snapshot(payment: dict[str, Any]) -> dict[str, Any]:
    """A payment attempt as the invoice.payment_failed event's details state it."""
    return {k: payment[k] for k in ("id", "attempt", "amount", "currency", "status", "failure_code")} | {
        "payment_method": payment["payment_method_id"]}


@dataclass
class TenantCredit:
    """A tenant's spendable credit during one transaction: its balance and the credit notes
    settling at this boundary, read under their row locks; spent invoice by invoice."""

    tenant_id: str
    balance: int
    # [credit note id, number, amount, applied so far, refunded, settles_on] in settlement order.
    notes: list[list[Any]] = field(default_factory=list)

    def credits(self, at: datetime | None = None) -> tuple[Credit, ...]:
        """The balance, then the notes settling at `at` (R6: a note pays the invoices issued at
        its own boundary, not earlier ones)."""
        out = [Credit(BALANCE, self.balance)] if self.balance > 0 else []
        out += [Credit(n[0], n[2] - n[3] - n[4], n[1]) for n in self.notes
                if at is not None and n[5] == at and n[2] - n[3] - n[4] > 0]
        return tuple(out)

    def spend(self, changes: Changes, plan: InvoicePlan) -> None:
        """Take what `plan` applies from the balance and the notes (absolute values: rows locked)."""
        for source, amount in plan.credit_taken():
            if source == BALANCE:
                if amount > self.balance:
                    raise ValueError("an invoice took more credit than the balance holds")
                self.balance -= amount
                changes.update(Tenant, self.tenant_id, credit_balance=self.balance)
                continue
            note = next(n for n in self.notes if n[0] == source)
            if amount > note[2] - note[3] - note[4]:
                raise ValueError("an invoice took more than is left of a credit note")
            note[3] += amount
            changes.update(CreditNote, note[0], applied_amount=note[3])



def credit_give_back(tenant_id: str, plan: InvoicePlan) -> None:
    """Return to the balance what a refused checkout's plan had taken from it (checkouts take no
    credit notes). Relative: the balance may have moved since the plan took its part."""
    taken = sum(amount for source, amount in plan.credit_taken() if source == BALANCE)
    if taken:
        Tenant.objects.filter(pk=tenant_id).update(credit_balance=F("credit_balance") + taken)


def tenants_lock(tenant_ids: Sequence[str]) -> None:
    """Lock these tenants' rows (by id), before any credit note of theirs (platform.locks' order)."""
    ids = sorted(set(tenant_ids))
    if ids:
        list(Tenant.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def tenant_credits(tenant_ids: Sequence[str], *, balances: dict[str, int], notes_due_by: datetime | None) -> dict[str, TenantCredit]:
    """The spendable credit of these tenants, locking the rows it reads (tenant, then notes).

    `balances`: the tenants' balances as read with their subscriptions; only tenants with a
    balance or a note due are locked and read again.
    """
    out = {t: TenantCredit(t, 0) for t in tenant_ids}
    with_balance = sorted(t for t in tenant_ids if balances.get(t, 0) > 0)
    if with_balance:
        for tid, balance in Tenant.objects.select_for_update(no_key=True).filter(pk__in=with_balance).order_by("pk").values_list("pk", "credit_balance"):
            out[tid].balance = int(balance)
    if notes_due_by is not None and tenant_ids:
        notes = (
            CreditNote.objects.select_for_update(no_key=True).filter(tenant_id__in=list(tenant_ids), status="pending", settles_on__lte=notes_due_by)
            .order_by("settles_on", "id")
            .values_list("tenant_id", "id", "number", "amount", "applied_amount", "refunded_amount", "settles_on")
        )
        for tid, *note in notes:
            out[tid].notes.append(list(note))
    return out


def transfer_key(invoice_id: str, reference: str) -> str:
    """A bank transfer's business key: one payment per (invoice, bank reference), ever."""
    return f"{invoice_id}/transfer/{reference}"


def transfer_record(changes: Changes, invoice: Invoice, *, amount: int, reference: str, at: datetime) -> dict[str, Any]:
    """Money received by bank transfer for a (locked, open) invoice: a succeeded payment of kind
    `bank_transfer` under its business key, and the invoice's `amount_paid` (paid when covered).
    The caller has checked `0 < amount <= total - amount_paid`."""
    payment = changes.insert(Payment, {
        "id": new_id("pay"), "tenant_id": invoice.tenant_id, "invoice_id": invoice.pk, "payment_method_id": None,
        "kind": "bank_transfer", "key": transfer_key(invoice.pk, reference), "attempt": 0, "amount": amount,
        "currency": invoice.currency, "status": "succeeded", "failure_code": "", "reference": reference,
        "created_at": at,
    })
    invoice_paid(changes, invoice, amount=amount, at=at)
    return payment


def invoice_close(changes: Changes, invoice: Invoice, *, status: str, at: datetime) -> int:
    """Void a (locked, open) invoice or mark it uncollectible: nothing more is collected on it,
    and the credit it had taken (from the balance or from credit notes) goes back to the
    tenant's credit balance, once (a `returned` credit application, unique per invoice).
    Returns the credit returned, in minor units."""
    if status not in ("void", "uncollectible"):
        raise ValueError(f"an invoice is closed as void or uncollectible, not {status!r}")
    invoice.status, invoice.closed_at = status, at
    changes.update(Invoice, invoice.pk, status=status, closed_at=at)
    returned = int(invoice.credit_applied)
    if returned > 0:
        changes.insert(CreditApplication, {
            "tenant_id": invoice.tenant_id, "kind": "returned", "credit_note_id": None, "invoice_id": invoice.pk,
            "amount": returned, "created_at": at,
        })
        # Relative: the balance is not read here (the tenant row is not locked by this path).
        Tenant.objects.filter(pk=invoice.tenant_id).update(credit_balance=F("credit_balance") + returned)
    return returned
