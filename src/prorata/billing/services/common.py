"""Pieces every billing service shares: gap-free numbers, line descriptions, audit snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext

from prorata.core.periods import local_date

from ..models import CreditNote, Invoice, NumberSequence

INVOICE_SEQUENCE = "invoice"
CREDIT_NOTE_SEQUENCE = "credit_note"
PREFIXES = {INVOICE_SEQUENCE: "INV", CREDIT_NOTE_SEQUENCE: "CN"}


def format_number(sequence: str, value: int) -> str:
    return f"{PREFIXES[sequence]}-{value:06d}"


def reserve_numbers(sequence: str, count: int = 1) -> int:
    """Reserve `count` consecutive numbers and return the first.

    The counter row stays locked until the caller's transaction ends, so numbers are gap-free:
    a rolled-back transaction gives its numbers back with its invoices.
    """
    if count < 1:
        raise ValueError("reserve at least one number")
    updated = NumberSequence.objects.filter(name=sequence).update(next_value=F("next_value") + count)
    if not updated:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(name=sequence, next_value=1 + count)
            return 1
        except IntegrityError:
            NumberSequence.objects.filter(name=sequence).update(next_value=F("next_value") + count)
    value = NumberSequence.objects.filter(name=sequence).values_list("next_value", flat=True).get()
    return int(value) - count


def django_language(language: str) -> str:
    return "zh-hans" if (language or "").lower().startswith("zh") else "en"


def product_name(product: Any, language: str) -> str:
    names = getattr(product, "names", None) or {}
    if language and language != "en":
        return str(names.get(language) or product.name)
    return str(product.name)


def charge_description(*, language: str, product: str, quantity: int, start: datetime, end: datetime, tz: str) -> str:
    """"Office 365 E3 × 5, 2024-01-31 – 2024-02-29" in the tenant's language and local dates."""
    with translation.override(django_language(language)):
        return gettext("%(product)s × %(quantity)s, %(start)s – %(end)s") % {
            "product": product,
            "quantity": quantity,
            "start": local_date(start, tz).isoformat(),
            "end": local_date(end, tz).isoformat(),
        }


def proration_description(*, language: str, product: str, quantity: int, start: datetime, end: datetime, tz: str) -> str:
    with translation.override(django_language(language)):
        return gettext("%(product)s: %(quantity)s more, %(start)s – %(end)s") % {
            "product": product,
            "quantity": quantity,
            "start": local_date(start, tz).isoformat(),
            "end": local_date(end, tz).isoformat(),
        }


def credit_description(*, language: str, number: str | None = None) -> str:
    with translation.override(django_language(language)):
        if number:
            return gettext("Credit note %(number)s applied") % {"number": number}
        return gettext("Account credit applied")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def invoice_snapshot(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "subscription": invoice.subscription_id,
        "kind": invoice.kind,
        "status": invoice.status,
        "currency": invoice.currency,
        "period_start": _iso(invoice.period_start),
        "period_end": _iso(invoice.period_end),
        "subtotal": invoice.subtotal,
        "credit_applied": invoice.credit_applied,
        "total": invoice.total,
        "amount_paid": invoice.amount_paid,
    }


def credit_note_snapshot(note: CreditNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "number": note.number,
        "subscription": note.subscription_id,
        "invoice": note.invoice_id,
        "status": note.status,
        "reason": note.reason,
        "currency": note.currency,
        "amount": note.amount,
        "applied_amount": note.applied_amount,
        "refunded_amount": note.refunded_amount,
        "settles_on": _iso(note.settles_on),
    }
