"""Changing the number of licenses mid-period, SPEC §5: more seats are charged now, prorated;
fewer are credited (a `seat_decrease_proration` credit note settled like R6)."""

from __future__ import annotations

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, InvalidInput, PaymentFailed
from prorata.core.proration import unused_credit
from prorata.core.transitions import ACTIVE, PAST_DUE, TRIALING
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services.common import snapshot, subscription_lock
from prorata.tenants.selectors import now_for

from ..models import InvoiceStatus, PaymentStatus
from .credit_notes import credit_note_create
from .invoices import invoice_issue_proration, paid_for_period
from .payments import invoice_collect

MAX_QUANTITY = 1_000_000


def _valid_quantity(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput("invalid_quantity", field="quantity", value=quantity, details={"min": 1, "max": MAX_QUANTITY})
    return quantity


def subscription_change_quantity(*, actor: Actor, subscription_id: str, quantity: int) -> Subscription:
    """Set the number of licenses purchased.

    An increase on a paid subscription is invoiced at once for the rest of the period
    (round_half_up(added × unit_amount × remaining / total)) and charged; a declined charge
    changes nothing (`card_declined`, `payment_method_required`). A decrease credits the unused
    part of what the period's invoice charged for the removed seats, as a credit note. Below the
    assigned count → `licenses_in_use`. During a trial only the count changes.
    """
    from prorata.licenses.models import License

    quantity = _valid_quantity(quantity)
    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        if sub.status not in (TRIALING, ACTIVE, PAST_DUE):
            raise Conflict("subscription_not_changeable", status=sub.status, details={"status": sub.status})
        if sub.canceled_at is not None:
            raise Conflict("subscription_not_changeable", status=sub.status, details={"status": sub.status})
        if quantity == sub.quantity:
            return sub
        assigned = License.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk).count()
        if quantity < assigned:
            raise Conflict(
                "licenses_in_use", assigned=assigned, quantity=quantity,
                details={"assigned_licenses": assigned, "quantity": quantity, "users_to_remove": assigned - quantity},
            )
        at = now_for(sub.tenant)
        before = snapshot(sub)
        old = sub.quantity
        paid_invoice, _ = paid_for_period(subscription=sub, period_start=sub.current_period_start)
        paid_up = sub.status == ACTIVE and paid_invoice is not None and paid_invoice.status == InvoiceStatus.PAID
        if sub.status == PAST_DUE and quantity > old:
            raise Conflict("subscription_past_due", details={"status": sub.status})
        if quantity > old and sub.status == ACTIVE:
            invoice = invoice_issue_proration(actor=actor, subscription=sub, added=quantity - old, at=at)
            payment = invoice_collect(actor=actor, invoice=invoice, at=at)
            if payment is not None and payment.status != PaymentStatus.SUCCEEDED:
                raise PaymentFailed(payment.failure_code or "card_declined", details={"invoice_amount": invoice.total})
        elif quantity < old and paid_up:
            line = paid_invoice.lines.filter(kind="charge").order_by("id").first()
            unit = int(line.unit_amount) if line is not None else 0
            plan = sub.plan
            credit = unused_credit(
                unit * (old - quantity), sub.current_period_start, sub.current_period_end, at,
                plan.proration_unit, sub.tenant.timezone,  # type: ignore[arg-type]
            )
            sub.quantity = quantity
            sub.save(update_fields=["quantity"])
            if credit > 0:
                credit_note_create(
                    actor=actor, subscription=sub, invoice=paid_invoice, amount=credit,
                    reason="seat_decrease_proration", at=at,
                )
        sub.quantity = quantity
        sub.save(update_fields=["quantity"])
        audit_record(
            actor=actor, action="subscription.updated", object_type="subscription", object_id=sub.pk,
            tenant_id=sub.tenant_id, at=at, before=before, after=snapshot(sub),
        )
    return sub
