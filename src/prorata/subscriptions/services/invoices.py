"""Operators' actions on an invoice: a bank transfer recorded (pay by invoice), a void, a write-off.

Each is one transaction under the subscription's and the invoice's row locks (in the billing
pass's order: subscription, then invoice), audited, with its typed event; each has a preview that
shows the amounts and changes nothing. No processor is called: a transfer was made at the
tenant's bank, and closing an invoice moves no money at a processor.

What follows for the subscription goes through the transition table: the current period's
invoice paid in full, voided or written off ends its dunning (`overdue_cleared`: past due →
active), and the billing schedule moves on to the period end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import translation

from prorata.billing.models import Invoice, Payment
from prorata.billing.services import existing_invoice, invoice_close, transfer_key, transfer_record
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from prorata.core.money import format_money
from prorata.core.transitions import ACTIVE, PAST_DUE, Event, next_status
from prorata.platform.writer import Changes
from prorata.tenants.selectors import now_for

from ..models import StatusChange, Subscription
from ..schemas import subscription_out
from .common import ensure_no_payment_in_progress
from .outcomes import assigned_counts, next_action_at

MAX_REFERENCE = 100
# What an operator may do to an open invoice, and the status it leaves.
CLOSE_STATUS = {"void": "void", "mark_uncollectible": "uncollectible"}
CLOSE_EVENTS = {"void": "invoice.voided", "mark_uncollectible": "invoice.marked_uncollectible"}


@dataclass(frozen=True)
class InvoicePreview:
    """What an action on an invoice would do; nothing is changed by asking."""

    action: str  # payment | void | mark_uncollectible
    invoice: Invoice
    amount: int  # the transfer recorded, or what is left unpaid and closed
    amount_due_before: int
    amount_due_after: int
    credit_returned: int  # to the tenant's credit balance
    status_after: str

    def to_api(self) -> dict[str, Any]:
        return {
            "action": self.action, "invoice": self.invoice.pk, "number": self.invoice.number,
            "currency": self.invoice.currency, "amount": self.amount, "amount_due_before": self.amount_due_before,
            "amount_due_after": self.amount_due_after, "credit_returned": self.credit_returned,
            "status_after": self.status_after,
        }


class _Money:
    """An amount put into words when a message is written, in that message's language."""

    def __init__(self, amount: int, currency: str) -> None:
        self.amount, self.currency = amount, currency

    def __str__(self) -> str:
        locale = "zh_Hans" if (translation.get_language() or "en").lower().startswith("zh") else "en"
        return format_money(self.amount, self.currency, locale)


def _require_operator(actor: Actor) -> None:
    if not (actor.is_operator or actor.kind == "system"):
        raise Forbidden("forbidden")


def valid_amount(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("invalid_payment_amount", field="amount", value=amount, details={"field": "amount"})
    return amount


def valid_reference(reference: object) -> str:
    text = reference.strip() if isinstance(reference, str) else ""
    if not text or len(text) > MAX_REFERENCE or not text.isprintable():
        raise InvalidInput("invalid_payment_reference", max=MAX_REFERENCE, details={"field": "reference", "max": MAX_REFERENCE})
    return text


def _locked(actor: Actor, invoice_id: str) -> tuple[Invoice, Subscription]:
    """The invoice and its subscription, both locked (subscription first); operators only."""
    _require_operator(actor)
    found = Invoice.objects.filter(pk=invoice_id).values_list("subscription_id", flat=True).first() if (
        isinstance(invoice_id, str) and len(invoice_id) <= 40) else None
    if found is None:
        raise NotFound("not_found", object="invoice", id=invoice_id)
    sub = (Subscription.objects.select_for_update(no_key=True, of=("self",)).select_related("plan", "plan__product", "tenant")
           .get(pk=found))
    invoice = Invoice.objects.select_for_update(no_key=True).prefetch_related("lines").get(pk=invoice_id)
    return invoice, sub


def _ensure_open(invoice: Invoice) -> None:
    if invoice.status != "open":
        raise Conflict("invoice_not_open", status=invoice.status, details={"invoice": invoice.pk, "status": invoice.status})
    # A card payment the cardholder may still confirm (3-D Secure): were the invoice paid by
    # transfer, voided or written off meanwhile, the confirmed money would belong to no invoice.
    waiting = Payment.objects.filter(invoice_id=invoice.pk, status="requires_action").values_list("pk", flat=True).first()
    if waiting is not None:
        raise Conflict("payment_awaiting_confirmation", details={"invoice": invoice.pk, "payment": waiting})


def _payment_checks(invoice: Invoice, sub: Subscription, amount: int, reference: str) -> int:
    _ensure_open(invoice)
    ensure_no_payment_in_progress(sub)
    due = invoice.total - invoice.amount_paid
    if amount > due:
        raise Conflict("overpayment", amount=_Money(amount, invoice.currency), amount_due=_Money(due, invoice.currency),
                       details={"amount": amount, "amount_due": due, "currency": invoice.currency})
    if Payment.objects.filter(tenant_id=invoice.tenant_id, key=transfer_key(invoice.pk, reference)).exists():
        raise Conflict("payment_already_recorded", reference=reference,
                       details={"invoice": invoice.pk, "reference": reference})
    return due


def _close_checks(invoice: Invoice, sub: Subscription, action: str) -> int:
    if action not in CLOSE_STATUS:
        raise InvalidInput("validation_error", fields="action")
    _ensure_open(invoice)
    ensure_no_payment_in_progress(sub)
    if action == "void" and invoice.amount_paid > 0:
        # Money was received on it: voiding would leave that payment without its invoice.
        raise Conflict("invoice_partially_paid", details={"invoice": invoice.pk, "amount_paid": invoice.amount_paid})
    return invoice.total - invoice.amount_paid


def invoice_payment_preview(*, actor: Actor, invoice_id: str, amount: object, reference: object) -> InvoicePreview:
    """What recording a bank transfer of `amount` would do (the service's own refusals)."""
    amount, reference = valid_amount(amount), valid_reference(reference)
    with transaction.atomic():
        invoice, sub = _locked(actor, invoice_id)
        due = _payment_checks(invoice, sub, amount, reference)
        return InvoicePreview("payment", invoice, amount, due, due - amount, 0, "paid" if amount == due else "open")


def invoice_close_preview(*, actor: Actor, invoice_id: str, action: str) -> InvoicePreview:
    """What voiding (`void`) or writing off (`mark_uncollectible`) the invoice would do."""
    with transaction.atomic():
        invoice, sub = _locked(actor, invoice_id)
        due = _close_checks(invoice, sub, action)
        return InvoicePreview(action, invoice, due, due, 0, int(invoice.credit_applied), CLOSE_STATUS[action])


def _dunning_ends(changes: Changes, invoice: Invoice, sub: Subscription, *, actor: Actor, at: datetime) -> None:
    """The current period's invoice is settled one way or another: its dunning stops."""
    current = invoice.kind == "period" and invoice.period_start == sub.current_period_start
    if not current or sub.status not in (ACTIVE, PAST_DUE):
        return
    assigned = assigned_counts([sub.pk]).get(sub.pk, 0)
    before = subscription_out(sub, assigned=assigned)
    fields: dict[str, Any] = {"payment_attempts": 0}
    moved = sub.status == PAST_DUE
    if moved:
        to = next_status(sub.status, Event.OVERDUE_CLEARED)
        changes.insert(StatusChange, {"tenant_id": sub.tenant_id, "subscription_id": sub.pk, "from_status": sub.status,
                                      "to_status": to, "event": Event.OVERDUE_CLEARED, "at": at, "actor": actor.ref})
        fields.update(status=to, status_changed_at=at)
    for name, value in fields.items():
        setattr(sub, name, value)
    sub.next_action_at = fields["next_action_at"] = next_action_at(sub)
    changes.update(Subscription, sub.pk, **fields)
    if moved:
        changes.audit(actor=actor, tenant_id=sub.tenant_id, action="subscription.renewed", object_type="subscription",
                      object_id=sub.pk, at=at, before=before, after=subscription_out(sub, assigned=assigned),
                      details={"invoice": invoice.pk, "cleared_by": invoice.status})


def invoice_payment_record(*, actor: Actor, invoice_id: str, amount: object, reference: object) -> Invoice:
    """Record a bank transfer of `amount` (minor units of the invoice's currency) received for an
    open invoice, under the bank's `reference`. Partial payments add up; more than is still
    owed is refused (`overpayment`), as is the same reference twice (`payment_already_recorded`).
    Paid in full, the invoice is `paid`; if it is the current period's, the subscription's
    dunning ends."""
    amount, reference = valid_amount(amount), valid_reference(reference)
    with transaction.atomic():
        invoice, sub = _locked(actor, invoice_id)
        _payment_checks(invoice, sub, amount, reference)
        at = now_for(sub.tenant)
        changes = Changes()
        payment = transfer_record(changes, invoice, amount=amount, reference=reference, at=at)
        payload = existing_invoice(invoice).payload()
        details = {"payment": {"id": payment["id"], "amount": amount, "currency": invoice.currency, "kind": "bank_transfer",
                               "reference": reference}}
        changes.audit(actor=actor, tenant_id=invoice.tenant_id, action="invoice.payment_recorded", object_type="invoice",
                      object_id=invoice.pk, at=at, after=payload, details=details)
        if invoice.status == "paid":
            changes.audit(actor=actor, tenant_id=invoice.tenant_id, action="invoice.paid", object_type="invoice",
                          object_id=invoice.pk, at=at, after=payload, details=details)
            _dunning_ends(changes, invoice, sub, actor=actor, at=at)
        changes.flush()
    return invoice


def invoice_close_by(*, actor: Actor, invoice_id: str, action: str) -> Invoice:
    """Void an open invoice (`void`; refused once anything was paid on it:
    `invoice_partially_paid`) or write off what is left of it (`mark_uncollectible`). The credit
    it had taken returns to the tenant's credit balance; the current period's invoice closed ends
    the subscription's dunning. A closed invoice cannot be closed again (`invoice_not_open`)."""
    with transaction.atomic():
        invoice, sub = _locked(actor, invoice_id)
        due = _close_checks(invoice, sub, action)
        at = now_for(sub.tenant)
        changes = Changes()
        returned = invoice_close(changes, invoice, status=CLOSE_STATUS[action], at=at)
        changes.audit(actor=actor, tenant_id=invoice.tenant_id, action=CLOSE_EVENTS[action], object_type="invoice",
                      object_id=invoice.pk, at=at, after=existing_invoice(invoice).payload(),
                      details={"amount_closed": due, "credit_returned": returned, "currency": invoice.currency})
        _dunning_ends(changes, invoice, sub, actor=actor, at=at)
        changes.flush()
    return invoice


def invoice_void(*, actor: Actor, invoice_id: str) -> Invoice:
    return invoice_close_by(actor=actor, invoice_id=invoice_id, action="void")


def invoice_mark_uncollectible(*, actor: Actor, invoice_id: str) -> Invoice:
    return invoice_close_by(actor=actor, invoice_id=invoice_id, action="mark_uncollectible")


__all__ = [
    "InvoicePreview", "invoice_close_by", "invoice_close_preview", "invoice_mark_uncollectible",
    "invoice_payment_preview", "invoice_payment_record", "invoice_void",
]
