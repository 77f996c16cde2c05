"""Calls to the payment processor, each recorded and committed before it is made.

The sequence every charge and refund follows, whatever asks for it (the billing pass for a
thousand renewals, a purchase, a seat change, a credit note's settlement):

1. in a transaction: `call_record` adds the GatewayCall row (its key, amount and the plan of
   what the money is for) to the change's rows; the transaction commits;
2. outside any transaction: `calls_make` asks the processor, with the key as its idempotency
   key (`prorata.payments.gateway.outside_transaction` refuses otherwise);
3. in a transaction: `calls_take` deletes the rows — only those still there are the caller's to
   finish — and the caller writes the outcome in the same transaction.

A row that outlives its lease (the process died, or step 3 failed) is found by
`calls_claim_stale` (the next pass, `prorata payments reconcile`): `call_find` asks the
processor what became of the key, and the outcome is written from that answer. The processor
is asked to charge a key again only when it says it never saw it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from prorata.core.clock import system_clock
from prorata.payments.gateway import ChargeRequest, RefundRequest, Result, get_gateway
from prorata.platform import bulk
from prorata.platform.writer import Changes

from ..domain.renewal import ChargeResult
from ..models import GatewayCall

log = logging.getLogger(__name__)

CHARGE, REFUND = "charge", "refund"
SETTLEMENT = "settlement"


def lease() -> timedelta:
    """How long the process that recorded a call owns it (longer than the processor's timeout)."""
    return timedelta(seconds=float(getattr(settings, "PRORATA_PAYMENT_LEASE_SECONDS", 120)))


def call_record(
    changes: Changes, *, kind: str, purpose: str, key: str, tenant_id: str, amount: int, currency: str, token: str,
    plan: dict[str, Any], at: datetime, subscription_id: str = "", payment_method_id: str | None = "",
    credit_note_id: str = "", payment_id: str = "", charge_reference: str = "",
) -> dict[str, Any]:
    return changes.insert(GatewayCall, {
        "key": key, "tenant_id": tenant_id, "kind": kind, "purpose": purpose, "subscription_id": subscription_id,
        "credit_note_id": credit_note_id, "payment_id": payment_id, "amount": amount, "currency": currency,
        "payment_method_id": payment_method_id or "", "token": token, "charge_reference": charge_reference,
        "plan": plan, "lease_until": system_clock.now() + lease(), "created_at": at,
    })


def _metadata(call: dict[str, Any]) -> dict[str, str]:
    return {"prorata_key": call["key"], "tenant": call["tenant_id"], "purpose": call["purpose"],
            "subscription": call["subscription_id"], "credit_note": call["credit_note_id"]}


def as_charge_result(result: Result) -> ChargeResult:
    return ChargeResult(result.status, result.failure_code, result.reference)


def calls_make(calls: Sequence[dict[str, Any]]) -> dict[str, ChargeResult]:
    """Ask the processor to do each call; the answers by key.

    A call the processor could not be asked about (it raised: network, timeout) has no answer
    here: its row stays, and reconciliation finds out what happened.
    """
    gateway = get_gateway()
    answers: dict[str, ChargeResult] = {}
    charges = [c for c in calls if c["kind"] == CHARGE]
    refunds = [c for c in calls if c["kind"] == REFUND]
    try:
        if charges:
            results = gateway.charge([ChargeRequest(c["key"], c["token"], c["amount"], c["currency"],
                                                    metadata=_metadata(c)) for c in charges])
            answers.update((c["key"], as_charge_result(r)) for c, r in zip(charges, results, strict=True))
        if refunds:
            results = gateway.refund([RefundRequest(c["key"], c["charge_reference"], c["token"], c["amount"],
                                                    c["currency"], metadata=_metadata(c)) for c in refunds])
            answers.update((c["key"], as_charge_result(r)) for c, r in zip(refunds, results, strict=True))
    except Exception:
        log.exception("the payment processor did not answer %d calls; reconciliation will ask again", len(calls))
    return answers


def call_find(call: GatewayCall) -> ChargeResult | None:
    """What the processor did with this call's key, or None when it never saw it."""
    gateway = get_gateway()
    found = (gateway.find_charge(call.key, tenant_id=call.tenant_id) if call.kind == CHARGE
             else gateway.find_refund(call.key, call.charge_reference))
    return None if found is None else as_charge_result(found)


def call_redo(call: GatewayCall) -> ChargeResult | None:
    """Make a call the processor says it never saw (same key)."""
    values = {f.attname: getattr(call, f.attname) for f in GatewayCall._meta.concrete_fields}
    return calls_make([values]).get(call.key)


def calls_take(keys: Iterable[str]) -> set[str]:
    """Delete these calls' rows, inside the transaction that writes their outcomes; returns the
    keys that were still there (the others were finished by someone else: leave them)."""
    return bulk.delete_returning(GatewayCall, list(keys))


def calls_release(keys: Iterable[str]) -> None:
    """End the lease of calls whose outcome could not be written, so reconciliation takes them now."""
    keys = list(keys)
    if keys:
        GatewayCall.objects.filter(key__in=keys).update(lease_until=system_clock.now())


def calls_in_flight(subscription_ids: Iterable[str]) -> dict[str, datetime]:
    """The subscriptions among these with a call recorded and not finished: latest lease of each."""
    out: dict[str, datetime] = {}
    ids = [s for s in subscription_ids if s]
    if not ids:
        return out
    for sub_id, until in GatewayCall.objects.filter(subscription_id__in=ids).values_list("subscription_id", "lease_until"):
        out[sub_id] = max(until, out.get(sub_id, until))
    return out


def calls_claim_stale(*, now: datetime | None = None, limit: int = 100, keys: Sequence[str] | None = None,
                      force: bool = False) -> list[GatewayCall]:
    """Calls whose lease has ended (or these `keys`, with `force` whatever their lease), each taken
    over with a new lease by a conditional update, so two reconcilers never both take one."""
    now = now or system_clock.now()
    qs = GatewayCall.objects.all() if force else GatewayCall.objects.filter(lease_until__lte=now)
    if keys is not None:
        qs = qs.filter(key__in=list(keys))
    taken = []
    for call in qs.order_by("lease_until", "key")[:limit]:
        new_lease = now + lease()
        if GatewayCall.objects.filter(key=call.key, lease_until=call.lease_until).update(lease_until=new_lease):
            call.lease_until = new_lease
            taken.append(call)
    return taken


def calls_in_flight_notes(credit_note_ids: Iterable[str], exclude: Iterable[str] = ()) -> set[str]:
    """The credit notes among these with a refund call recorded and not finished."""
    ids = list(credit_note_ids)
    if not ids:
        return set()
    qs = GatewayCall.objects.filter(credit_note_id__in=ids).exclude(key__in=list(exclude))
    return set(qs.values_list("credit_note_id", flat=True))
