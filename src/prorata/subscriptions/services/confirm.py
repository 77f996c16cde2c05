"""A charge the card's bank wanted confirmed (3-D Secure: `requires_action`), confirmed later.

The renewal or retry left its invoice open, the subscription past due, and a payment with
status `requires_action` whose reference is Stripe's PaymentIntent. The cardholder confirms that
PaymentIntent in the browser (Stripe.js `confirmCardPayment`, from the admin center's "Confirm
payment"); then the server asks Stripe for the PaymentIntent and, only when Stripe says it
succeeded, writes the outcome through the planner and the one writer, as a successful collection
of the open invoice under the same key: the payment becomes `succeeded`, the invoice paid, the
subscription active again. Stripe's `payment_intent.succeeded` event does the same (whichever
comes first; the second finds the payment settled).
"""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction

from prorata.billing.domain.renewal import (
    RETRY,
    SUCCEEDED,
    BillingInput,
    Charge,
    ChargeResult,
    OpenInvoice,
    Plan,
    settle,
)
from prorata.billing.domain.schedule import COLLECT
from prorata.billing.domain.schedule import Work as DueWork
from prorata.billing.models import Invoice, Payment
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, NotFound, PaymentFailed
from prorata.payments.gateway import outside_transaction
from prorata.platform.writer import Changes
from prorata.tenants.models import Tenant
from prorata.tenants.selectors import now_for
from prorata.tenants.services.access import BILLING_ADMINS, require_tenant_role

from ..models import Subscription
from .billing_work import attach_plans
from .outcomes import Work, apply_outcome, assigned_counts, facts_of, price_of


def payment_awaiting_confirmation(*, tenant: Tenant, invoice_id: str) -> Payment | None:
    """The open invoice's latest payment, when it waits for the cardholder's confirmation."""
    payment = Payment.objects.filter(tenant_id=tenant.pk, invoice_id=invoice_id).order_by("-attempt", "-id").first()
    if payment is None or payment.status != "requires_action" or not payment.reference.startswith("pi_"):
        return None
    if not Invoice.objects.filter(tenant_id=tenant.pk, pk=invoice_id, status="open").exists():
        return None
    return payment


def payment_confirm_secret(*, actor: Actor, tenant: Tenant, invoice_id: str) -> tuple[Payment, str]:
    """The payment to confirm and its PaymentIntent's client secret, for Stripe.js."""
    require_tenant_role(actor, tenant, BILLING_ADMINS)
    payment = payment_awaiting_confirmation(tenant=tenant, invoice_id=invoice_id)
    if payment is None:
        raise NotFound("not_found", object="invoice", id=invoice_id)
    from prorata.payments import stripe_gateway

    intent = stripe_gateway.payment_intent_get(payment.reference)
    return payment, str(intent.client_secret)


def payment_confirm_finish(*, actor: Actor, tenant: Tenant, invoice_id: str) -> Payment:
    """After the browser confirmed: ask Stripe, and record the payment if it succeeded."""
    require_tenant_role(actor, tenant, BILLING_ADMINS)
    payment = payment_awaiting_confirmation(tenant=tenant, invoice_id=invoice_id)
    if payment is None:
        settled = Payment.objects.filter(tenant_id=tenant.pk, invoice_id=invoice_id, status="succeeded").first()
        if settled is not None:
            return settled  # already recorded (Stripe's event came first)
        raise NotFound("not_found", object="invoice", id=invoice_id)
    if not payment_confirm_settle(payment.reference, actor=actor):
        raise PaymentFailed("payment_not_confirmed")
    return Payment.objects.get(pk=payment.pk)


def payment_confirm_settle(reference: str, *, actor: Actor) -> bool:
    """Record a confirmed PaymentIntent's payment; False when Stripe does not say it succeeded
    (or there is no payment waiting for it)."""
    outside_transaction()
    payment = Payment.objects.filter(reference=reference, status="requires_action").first()
    if payment is None or payment.invoice_id is None:
        return False
    from prorata.payments import stripe_gateway

    answer = stripe_gateway.result_of_intent(stripe_gateway.payment_intent_get(reference))
    if answer.status != SUCCEEDED:
        return False
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update(no_key=True).get(pk=payment.invoice_id)
        sub = (Subscription.objects.select_for_update(no_key=True, of=("self",)).select_related("tenant")
               .get(pk=invoice.subscription_id))
        payment = Payment.objects.select_for_update(no_key=True).get(pk=payment.pk)
        if payment.status != "requires_action":
            return True  # settled meanwhile
        Payment.objects.filter(pk=payment.pk).update(status="succeeded", failure_code="")
        if invoice.status != "open":
            return True
        if sub.status not in ("active", "past_due"):
            raise Conflict("subscription_not_changeable", status=sub.status)
        attach_plans([sub])
        at = now_for(sub.tenant)
        owed = invoice.total - invoice.amount_paid
        open_invoice = OpenInvoice(invoice.pk, owed)
        inp = BillingInput(subscription=facts_of(sub), price=price_of(sub.plan), timezone=sub.tenant.timezone,
                           payment_method_id=payment.payment_method_id, open_invoice=open_invoice)
        plan = Plan(work=DueWork(COLLECT, at), at=at, collect=open_invoice,
                    charge=Charge(payment.key, RETRY, owed, invoice.currency, payment.attempt, payment.payment_method_id))
        result = ChargeResult(SUCCEEDED, "", reference)
        # The payment row exists (updated above): the outcome writes everything else.
        outcome = replace(settle(plan, inp, result), payment=None)
        changes = Changes()
        work = Work(sub, inp, plan, result, open_invoice=invoice, assigned=assigned_counts([sub.pk]).get(sub.pk, 0))
        apply_outcome(changes, work, outcome, actor=actor)
        changes.flush()
    return True


__all__ = ["payment_awaiting_confirmation", "payment_confirm_finish", "payment_confirm_secret",
           "payment_confirm_settle"]
