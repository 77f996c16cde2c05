"""The rows of a billing outcome: the one place a settled plan (billing.domain.renewal) becomes
invoices, lines, credit applications, the payment, the subscription's new fields, its status
change, and the audit rows with their events — for a renewal in a batch of thousands as for a
single purchase. Rows go into a `Changes` (platform.writer); the caller's transaction flushes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count

from prorata.billing.domain.renewal import (
    BillingInput,
    ChargeResult,
    Outcome,
    Plan,
)
from prorata.billing.models import Invoice
from prorata.billing.services import (
    IssuedInvoice,
    existing_invoice,
    invoice_issue,
    invoice_paid,
    payment_record,
    payment_snapshot,
)
from prorata.billing.services.common import product_name
from prorata.catalog.models import Plan as CatalogPlan
from prorata.core.actor import Actor
from prorata.platform.writer import Changes

from ..models import StatusChange, Subscription
from ..schemas import subscription_out
from ..selectors import facts_of, price_of


def assigned_counts(subscription_ids: Iterable[str]) -> dict[str, int]:
    """Licenses held per subscription (one query): the subscription payloads show them."""
    from prorata.licenses.models import License

    ids = list(subscription_ids)
    if not ids:
        return {}
    rows = License.objects.filter(subscription_id__in=ids).values("subscription_id").annotate(n=Count("id"))
    return {r["subscription_id"]: r["n"] for r in rows}


@dataclass
class Work:
    """One subscription's billing work: its plan, the facts it was planned from, the answer."""

    sub: Subscription
    inp: BillingInput
    plan: Plan
    result: ChargeResult | None = None
    # The current period's open invoice (with its lines), for a retry.
    open_invoice: Invoice | None = None
    assigned: int = 0
    # Extra facts for an event's audit details, by event type.
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A new subscription (a purchase): inserted instead of updated.
    new: bool = False
    # The plan the work moves the subscription to (a plan change), if already read.
    new_plan: CatalogPlan | None = None


def _new_plan(work: Work) -> CatalogPlan | None:
    plan_id = work.plan.plan_id
    if plan_id is None or plan_id == work.sub.plan_id:
        return None
    if work.new_plan is not None and work.new_plan.pk == plan_id:
        return work.new_plan
    if work.sub.scheduled_plan_id == plan_id:
        return work.sub.scheduled_plan
    return CatalogPlan.objects.select_related("product").get(pk=plan_id)


def _names(product: Any) -> dict[str, str]:
    """The product's name in every language an invoice line is written in."""
    from prorata.billing.services.invoices import LINE_LANGUAGES

    return {lang: product_name(product, lang) for lang in LINE_LANGUAGES}


def apply_outcome(changes: Changes, work: Work, outcome: Outcome, *, actor: Actor) -> IssuedInvoice | None:
    """Add every row of `outcome` to `changes`, and set the subscription's new fields on `work.sub`."""
    sub, plan, at = work.sub, work.plan, work.plan.at
    tenant = sub.tenant
    before = None if work.new else subscription_out(sub, assigned=work.assigned)
    invoice: IssuedInvoice | None = None
    new_plan = _new_plan(work) if not outcome.refused else None
    if plan.invoice is not None:
        product = product_name((new_plan or sub.plan).product, tenant.language)
        invoice = invoice_issue(
            changes, tenant_id=sub.tenant_id, subscription_id=sub.pk, plan=plan.invoice, at=at, language=tenant.language,
            product=product, timezone=tenant.timezone, paid=outcome.paid_now,
            previous_product=product_name(sub.plan.product, tenant.language), discount_percent=sub.discount_percent,
            products=_names((new_plan or sub.plan).product), previous_products=_names(sub.plan.product),
            due_at=plan.due_at,
        )
    elif plan.collect is not None and work.open_invoice is not None:
        invoice = (invoice_paid(changes, work.open_invoice, amount=outcome.paid_now, at=at)
                   if outcome.invoice_status == "paid" else existing_invoice(work.open_invoice))
    payment = None
    if outcome.payment is not None and plan.charge is not None:
        payment = payment_record(changes, tenant_id=sub.tenant_id, invoice_id=invoice.id if invoice else None,
                                 charge=plan.charge, result=outcome.payment, at=at)
    for name, value in outcome.fields.items():
        setattr(sub, name, value)
    if new_plan is not None and "plan_id" in outcome.fields:
        sub.plan = new_plan
        sub.scheduled_plan = None
    if work.new:
        changes.insert(Subscription, {f.attname: getattr(sub, f.attname) for f in Subscription._meta.concrete_fields})
    elif outcome.fields:
        changes.update(Subscription, sub.pk, **outcome.fields)
    if outcome.status_change is not None:
        frm, to, event = outcome.status_change
        changes.insert(StatusChange, {"tenant_id": sub.tenant_id, "subscription_id": sub.pk, "from_status": frm,
                                      "to_status": to, "event": event, "at": at, "actor": actor.ref})
    after = subscription_out(sub, assigned=work.assigned)
    for event in outcome.events:
        details = work.details.get(event)
        if event == "subscription.past_due" and outcome.status_change and outcome.status_change[2] == "invoice_overdue":
            # Pay by invoice: past due because a sent invoice was not paid by its due date.
            due = work.inp.subscription.due_at
            details = {**(details or {}), "overdue": True, "due_at": due.isoformat() if due else None}
        if event.startswith("invoice."):
            assert invoice is not None
            if event == "invoice.payment_failed" and payment is not None:
                details = {**(details or {}), "payment": payment_snapshot(payment)}
            changes.audit(actor=actor, tenant_id=sub.tenant_id, action=event, object_type="invoice", object_id=invoice.id,
                          at=at, after=invoice.issued_payload() if event == "invoice.issued" else invoice.payload(),
                          details=details)
        else:
            changes.audit(actor=actor, tenant_id=sub.tenant_id, action=event, object_type="subscription", object_id=sub.pk,
                          at=at, before=None if event == "subscription.created" else before, after=after, details=details)
    return invoice


def reschedule(changes: Changes, sub: Subscription, due: datetime | None) -> None:
    sub.next_action_at = due
    changes.update(Subscription, sub.pk, next_action_at=due)


def next_action_at(sub: Subscription, invoice_open: bool = False, due_at: datetime | None = None) -> datetime | None:
    """When the subscription's next billing work falls due (billing.domain.schedule), for a
    service that changed its status, period or recurring billing; `due_at`: the open period
    invoice's due date (pay by invoice)."""
    from prorata.billing.domain.renewal import due_work

    work = due_work(facts_of(sub, due_at), price_of(sub.plan), invoice_open)
    return work.due if work else None
