"""Reconciliation: processor calls recorded but left without an outcome, finished from the
processor's own answer (`prorata payments reconcile`, the worker, the start of every pass).

A call's row outlives its lease when its process died between the call and the transaction
that writes the outcome, or that transaction failed. For each such call the processor is asked
what it did with the key (`find_charge` / `find_refund`):

- it has an answer → the outcome is written from it, exactly as the process that made the call
  would have written it (the stored plan, settled with the same facts);
- it never saw the key → a renewal's, retry's or refund's call is made now with the same key;
  a checkout's (a purchase, seat increase or reactivation the customer waited for) is not: the
  request that asked for it is over, so it is recorded as not made (`abandoned`), and any credit
  it had taken goes back to the balance.

Nothing is charged twice: the processor is asked to charge a key only when it says it has no
charge under it, and the outcome is written in the transaction that deletes the call's row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from prorata.billing.domain.renewal import (
    CHECKOUTS,
    FAILED,
    BillingInput,
    ChargeResult,
    OpenInvoice,
    Plan,
    settle,
)
from prorata.billing.models import GatewayCall
from prorata.billing.services import (
    call_find,
    call_redo,
    call_values,
    calls_claim_stale,
    calls_release,
    calls_take,
    credit_notes_complete,
)
from prorata.core.actor import SYSTEM
from prorata.core.clock import system_clock
from prorata.platform.writer import Changes

from ..models import Subscription
from ..selectors import change_of
from .billing_work import attach_plans, open_period_invoices
from .outcomes import Work, apply_outcome, assigned_counts, facts_of, price_of

log = logging.getLogger(__name__)

ABANDONED = "abandoned"
PASS_PURPOSES = ("conversion", "renewal", "retry", "settlement")


@dataclass
class ReconcileResult:
    found: int = 0  # calls the processor had answered
    made: int = 0  # calls it had never seen, made now
    abandoned: int = 0
    finished: int = 0
    failed: int = 0


def payments_reconcile(*, tenant_q: Q | None = None, passes_only: bool = False, force: bool = False,
                       limit: int = 500, keys: Sequence[str] | None = None) -> ReconcileResult:
    """Finish the calls whose lease ended (with `force`, every call of the filter, for a clock's
    advance that holds the clock's lock, or a processor's notice that a call has an outcome);
    `tenant_q` is a filter on the call's tenant, `keys` on the calls' keys."""
    result = ReconcileResult()
    qs = GatewayCall.objects.all()
    if keys is not None:
        qs = qs.filter(key__in=list(keys))
    if tenant_q is not None:
        qs = qs.filter(tenant_q)
    if passes_only:
        qs = qs.filter(purpose__in=PASS_PURPOSES)
    if not force:
        qs = qs.filter(lease_until__lte=system_clock.now())
    keys = list(qs.values_list("key", flat=True)[:limit])
    if not keys:
        return result
    calls = calls_claim_stale(keys=keys, force=force, limit=limit)
    answers: dict[str, ChargeResult] = {}
    for call in calls:
        try:
            answer = call_find(call)
        except Exception:
            log.exception("the payment processor could not say what became of %s; asked again later", call.key)
            calls_release([call.key])
            result.failed += 1
            continue
        if answer is not None:
            result.found += 1
        elif call.purpose in CHECKOUTS:
            answer = ChargeResult(FAILED, ABANDONED)
            result.abandoned += 1
        else:
            answer = call_redo(call)
            result.made += answer is not None
        if answer is None:
            calls_release([call.key])  # the processor did not answer: try again later
            result.failed += 1
            continue
        answers[call.key] = answer
    answered = [c for c in calls if c.key in answers]
    for group, finish in ((lambda c: c.kind == "refund", _finish_refunds),
                          (lambda c: c.purpose in CHECKOUTS, _finish_checkouts),
                          (lambda c: c.kind == "charge" and c.purpose not in CHECKOUTS, _finish_due)):
        mine = [c for c in answered if group(c)]
        if not mine:
            continue
        try:
            result.finished += finish(mine, answers)
        except Exception:
            log.exception("reconciling %d payment calls failed; they are tried again later", len(mine))
            calls_release(c.key for c in mine)
            result.failed += len(mine)
    return result


def _finish_refunds(calls: Sequence[GatewayCall], answers: dict[str, ChargeResult]) -> int:
    credit_notes_complete([call_values(c) for c in calls], answers)
    return len(calls)


def _finish_due(calls: Sequence[GatewayCall], answers: dict[str, ChargeResult]) -> int:
    """Renewal, conversion and retry charges: the outcome from the stored plan and the answer."""
    with transaction.atomic():
        by_sub = {c.subscription_id: c for c in calls}
        subs = list(Subscription.objects.select_for_update(no_key=True, of=("self",)).select_related("tenant")
                    .filter(pk__in=list(by_sub)).order_by("pk"))
        attach_plans(subs)
        open_invoices = open_period_invoices(subs)
        assigned = assigned_counts(s.pk for s in subs)
        owned = calls_take(c.key for c in calls)
        changes = Changes()
        finished = 0
        for sub in subs:
            call = by_sub[sub.pk]
            if call.key not in owned:
                continue
            plan = Plan.from_json(call.plan)
            invoice = open_invoices.get(sub.pk) if plan.collect is not None else None
            inp = BillingInput(subscription=facts_of(sub), price=price_of(sub.plan), timezone=sub.tenant.timezone,
                               payment_method_id=call.payment_method_id or None,
                               open_invoice=OpenInvoice(invoice.pk, invoice.total - invoice.amount_paid) if invoice else None,
                               change=change_of(sub))
            work = Work(sub, inp, plan, answers[call.key], open_invoice=invoice, assigned=assigned.get(sub.pk, 0))
            apply_outcome(changes, work, settle(plan, inp, work.result), actor=SYSTEM)
            finished += 1
        changes.flush()
    return finished


def _finish_checkouts(calls: Sequence[GatewayCall], answers: dict[str, ChargeResult]) -> int:
    from .checkout import checkout_complete

    finished = 0
    for call in calls:
        if checkout_complete(call_values(call), answers[call.key]) is not None:
            finished += 1
    return finished
