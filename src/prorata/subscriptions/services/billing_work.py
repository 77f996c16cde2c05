"""Due billing work of a claimed batch of subscriptions: trial ends, renewals, retries, expiries.

One pipeline for any batch size, in three steps (billing.services.charges):

1. `batch_prepare`, in the claim's transaction: the facts of the whole batch are read in a few
   queries, the planner (billing.domain.renewal) plans each subscription's work; work that moves
   no money (expiries, a renewal paid by credit) is written at once, and each charge to make is
   recorded as a gateway call, with the credit its invoice takes already spent. Commit.
2. `batch_charge`, outside any transaction: the processor charges each recorded call, its key
   the charge's business key (subscription, period start, attempt).
3. `batch_finish`, in a new transaction: the calls that are still ours are deleted, and each
   outcome — invoice, lines, payment, subscription, status change, audit rows, events,
   deliveries — is written by the one writer. If writing the batch fails, each outcome is
   written alone, so one bad row does not leave the others' charges without their invoices; an
   outcome that still cannot be written leaves its call to reconciliation, which asks the
   processor instead of charging again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from prorata.billing.domain.renewal import (
    BillingInput,
    ChargeResult,
    OpenInvoice,
    due_work,
    plan_due,
    settle,
)
from prorata.billing.domain.schedule import COLLECT, RENEW, TRIAL_END
from prorata.billing.models import Invoice
from prorata.billing.services import (
    call_record,
    calls_in_flight,
    calls_make,
    calls_release,
    calls_take,
    tenant_credits,
)
from prorata.catalog.models import Plan as CatalogPlan
from prorata.core.actor import Actor
from prorata.platform.writer import Changes
from prorata.tenants.models import PaymentMethod

from ..models import Subscription
from ..selectors import change_of
from .outcomes import Work, apply_outcome, assigned_counts, facts_of, price_of, reschedule

log = logging.getLogger(__name__)


@dataclass
class Batch:
    actor: Actor
    # Work whose charge is recorded and waits for the processor.
    pending: list[Work] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)
    # Subscriptions whose work was written in step 1, and the renewals among them.
    done: int = 0
    renewals: int = 0
    # Charges made again on an open invoice (dunning).
    retries: int = 0
    # Subscriptions skipped: another process has a call in flight for them.
    busy: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def attach_plans(subs: Sequence[Subscription], cache: dict[str, CatalogPlan] | None = None) -> None:
    """A batch has thousands of subscriptions and a handful of plans: read each plan once."""
    cache = {} if cache is None else cache
    missing = ({s.plan_id for s in subs} | {s.scheduled_plan_id for s in subs if s.scheduled_plan_id}) - set(cache)
    if missing:
        cache.update(CatalogPlan.objects.select_related("product").in_bulk(missing))
    for sub in subs:
        sub.plan = cache[sub.plan_id]
        if sub.scheduled_plan_id:
            sub.scheduled_plan = cache[sub.scheduled_plan_id]


def open_period_invoices(subs: Sequence[Subscription]) -> dict[str, Invoice]:
    """The current period's invoice of each of these subscriptions, where it is issued and unpaid.

    Only a failed charge leaves a card-paid period invoice open (its attempts are counted on the
    subscription), so those without a failed attempt are not looked up; a tenant paying by
    invoice has its period invoices open until they are paid."""
    live = [s for s in subs if s.status in ("active", "past_due")
            and (s.payment_attempts > 0 or s.tenant.collection == "send_invoice")]
    if not live:
        return {}
    start_of = {s.pk: s.current_period_start for s in live}
    invoices = (
        Invoice.objects.select_for_update(no_key=True, of=("self",)).filter(subscription_id__in=list(start_of), kind="period", status="open")
        .prefetch_related("lines")
    )
    return {i.subscription_id: i for i in invoices if i.period_start == start_of[i.subscription_id]}


def default_methods(tenant_ids: set[str]) -> dict[str, tuple[str, str]]:
    """(payment method id, processor token) of each tenant's default card."""
    rows = PaymentMethod.objects.filter(tenant_id__in=list(tenant_ids), is_default=True).values_list("tenant_id", "id", "gateway_token")
    return {t: (pm, token) for t, pm, token in rows}


def batch_prepare(subs: Sequence[Subscription], *, bound: datetime, actor: Actor,
                  plans: dict[str, CatalogPlan] | None = None, notes_due: bool = True) -> Batch:
    """Step 1, inside the transaction that claimed (locked) `subs`, each with its tenant.

    `notes_due`: whether any credit note settles by `bound` (the pass knows; else they are read)."""
    batch = Batch(actor=actor)
    in_flight = calls_in_flight(s.pk for s in subs)
    batch.busy = [s.pk for s in subs if s.pk in in_flight]
    subs = [s for s in subs if s.pk not in in_flight]
    if not subs:
        return batch
    attach_plans(subs, plans)
    open_invoices = open_period_invoices(subs)
    works = []
    changes = Changes()
    for sub in subs:
        open_invoice = open_invoices.get(sub.pk)
        work = due_work(facts_of(sub, open_invoice.due_at if open_invoice else None), price_of(sub.plan),
                        open_invoice is not None)
        if work is None or work.due > bound:
            # Stale next_action_at (a service changed the subscription in between): reschedule only.
            reschedule(changes, sub, work.due if work else None)
            continue
        works.append((sub, work))
    tenants = {s.tenant_id for s, _ in works}
    methods = default_methods(tenants)
    issuing = {s.tenant_id for s, w in works if w.kind in (RENEW, TRIAL_END)}
    credits = tenant_credits(sorted(issuing), balances={s.tenant_id: s.tenant.credit_balance for s, _ in works},
                             notes_due_by=bound if notes_due else None)
    assigned = assigned_counts(s.pk for s, _ in works)
    for sub, due in works:
        method = methods.get(sub.tenant_id)
        invoice = open_invoices.get(sub.pk)
        credit = credits.get(sub.tenant_id)
        inp = BillingInput(
            subscription=facts_of(sub, invoice.due_at if invoice else None), price=price_of(sub.plan),
            timezone=sub.tenant.timezone,
            payment_method_id=method[0] if method else None,
            credits=credit.credits(due.due) if credit is not None and due.kind in (RENEW, TRIAL_END) else (),
            open_invoice=OpenInvoice(invoice.pk, invoice.total - invoice.amount_paid) if invoice else None,
            change=change_of(sub),
        )
        plan = plan_due(inp, due)
        charge = plan.charge
        charged = charge is not None and charge.payment_method_id is not None
        if plan.invoice is not None and not charged and batch.pending:
            # Invoice numbers follow issue order: an invoice written now would be numbered before
            # the invoices of earlier work whose charges are still to be made. Leave it, and the
            # work after it, to the next batch.
            break
        if plan.invoice is not None and credit is not None:
            credit.spend(changes, plan.invoice)
        work = Work(sub, inp, plan, open_invoice=invoice, assigned=assigned.get(sub.pk, 0))
        if charged:
            batch.calls.append(call_record(
                changes, kind="charge", purpose=charge.purpose, key=charge.key, tenant_id=sub.tenant_id,
                amount=charge.amount, currency=charge.currency, token=method[1],  # type: ignore[index]
                payment_method_id=charge.payment_method_id, subscription_id=sub.pk, plan=plan.to_json(), at=plan.at,
            ))
            batch.pending.append(work)
        else:
            apply_outcome(changes, work, settle(plan, inp, None), actor=actor)
            batch.done += 1
            batch.renewals += due.kind == RENEW
    changes.flush()
    return batch


def batch_charge(batch: Batch) -> dict[str, ChargeResult]:
    """Step 2, outside any transaction."""
    return calls_make(batch.calls) if batch.calls else {}


def _finish(works: Sequence[Work], actor: Actor) -> int:
    owned = calls_take(w.plan.charge.key for w in works)  # type: ignore[union-attr]
    changes = Changes()
    finished = 0
    for work in works:
        if work.plan.charge.key not in owned:  # type: ignore[union-attr]
            continue  # finished by a reconciler that took the call over
        apply_outcome(changes, work, settle(work.plan, work.inp, work.result), actor=actor)
        finished += 1
    changes.flush()
    return finished


def batch_finish(batch: Batch, results: dict[str, ChargeResult]) -> None:
    """Step 3: write the outcomes of the answered charges, in a transaction of its own."""
    answered = []
    for work in batch.pending:
        result = results.get(work.plan.charge.key)  # type: ignore[union-attr]
        if result is None:
            batch.failures.append(work.sub.pk)  # no answer: its call waits for reconciliation
            continue
        work.result = result
        answered.append(work)
    if not answered:
        return
    try:
        with transaction.atomic():
            _finish(answered, batch.actor)
    except Exception:
        log.exception("writing %d billing outcomes failed; writing them one at a time", len(answered))
        answered_ok = []
        for work in answered:
            # The failed write set the outcome's fields on these objects: start from the rows.
            work.sub.refresh_from_db()
            if work.open_invoice is not None:
                work.open_invoice.refresh_from_db()
            try:
                with transaction.atomic():
                    _finish([work], batch.actor)
                answered_ok.append(work)
            except Exception:
                log.exception("writing the billing outcome of subscription %s failed; reconciliation will", work.sub.pk)
                calls_release([work.plan.charge.key])  # type: ignore[union-attr]
                batch.failures.append(work.sub.pk)
        answered = answered_ok
    batch.done += len(answered)
    batch.renewals += sum(1 for w in answered if w.plan.work.kind == RENEW)
    batch.retries += sum(1 for w in answered if w.plan.work.kind == COLLECT)
