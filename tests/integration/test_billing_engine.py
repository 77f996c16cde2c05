"""The billing pass survives failures after the processor was called without charging twice, and
never loops on a broken subscription. Charges are counted where they happen: the sandbox
processor's own ledger (`SandboxOperation`), which records every request it was sent."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from factories import make_card, make_clock, make_plan, make_tenant, utc
from prorata.billing.models import GatewayCall, Invoice, Payment
from prorata.core.actor import Actor
from prorata.payments.gateway import InsideTransaction, get_gateway
from prorata.payments.models import SandboxOperation
from prorata.platform import bulk
from prorata.subscriptions.engine import TenantFilter, run_pass
from prorata.subscriptions.models import StatusChange, Subscription
from prorata.subscriptions.services import billing_work, subscription_purchase

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="api_key", id="key_op", label="operator", is_operator=True, role="operator")


def _subs(n: int, card: str = "4242424242424242"):
    clock = make_clock(utc(2026, 1, 10))
    tenant = make_tenant(test_clock=clock)
    make_card(tenant, card)
    plan = make_plan(unit_amount=500)
    subs = [subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=i + 1) for i in range(n)]
    return clock, subs


def _pass(clock, to):
    return run_pass(as_of=to, tenant_filter=TenantFilter(clock_id=clock.pk, realtime=False))


def _charges_at_the_gateway() -> dict[str, tuple[int, int]]:
    """Every charge the processor was asked for: key → (amount, how many requests carried it)."""
    return {o.key: (o.amount, o.requests) for o in SandboxOperation.objects.filter(kind="charge")}


def _renewal_keys(subs, start) -> set[str]:
    return {f"{s.pk}/{start.isoformat()}/1" for s in subs}


def test_a_write_failing_after_the_charges_makes_no_second_charge_and_the_next_pass_finishes(monkeypatch):
    clock, subs = _subs(3)
    original = bulk.insert_rows

    def broken(model, names, rows):
        if model is Invoice:
            raise RuntimeError("disk full")
        return original(model, names, rows)

    monkeypatch.setattr(bulk, "insert_rows", broken)
    first = _pass(clock, utc(2026, 2, 10))
    assert sorted(first.failures) == sorted(s.pk for s in subs) and first.renewals == 0
    keys = _renewal_keys(subs, utc(2026, 2, 10))
    # Charged once each, and the calls are on record (their lease ended: the write failed).
    assert {k: v for k, v in _charges_at_the_gateway().items() if k in keys} == {
        f"{s.pk}/2026-02-10T00:00:00+00:00/1": (500 * s.quantity, 1) for s in subs}
    assert set(GatewayCall.objects.values_list("key", flat=True)) == keys

    monkeypatch.setattr(bulk, "insert_rows", original)
    second = _pass(clock, utc(2026, 2, 10))
    assert second.failures == []
    assert not GatewayCall.objects.exists()
    # Reconciled from the processor's answer: no new request reached it.
    assert all(requests == 1 for _amount, requests in _charges_at_the_gateway().values())
    for sub in subs:
        assert list(Invoice.objects.filter(subscription=sub).order_by("period_start").values_list("period_start", "total", "status")) == [
            (utc(2026, 1, 10), 500 * sub.quantity, "paid"), (utc(2026, 2, 10), 500 * sub.quantity, "paid")]
        assert Payment.objects.get(key=f"{sub.pk}/2026-02-10T00:00:00+00:00/1").status == "succeeded"
    assert Payment.objects.count() == SandboxOperation.objects.filter(kind="charge").count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_commit_failing_after_the_charges_makes_no_second_charge(monkeypatch):
    """The outcome's transaction fails at COMMIT (a deferred foreign key check): nothing of it is
    kept, the call is kept, and the next pass writes the outcome from the processor's answer."""
    clock, subs = _subs(2)
    original = billing_work._finish

    def finish_with_a_bad_row(works, actor):
        done = original(works, actor)
        StatusChange.objects.create(tenant_id=subs[0].tenant_id, subscription_id="sub_that_does_not_exist",
                                    from_status="active", to_status="active", event="x", at=utc(2026, 2, 10), actor="t")
        return done

    monkeypatch.setattr(billing_work, "_finish", finish_with_a_bad_row)
    first = _pass(clock, utc(2026, 2, 10))
    assert len(first.failures) == 2
    assert Invoice.objects.filter(period_start=utc(2026, 2, 10)).count() == 0
    monkeypatch.setattr(billing_work, "_finish", original)
    _pass(clock, utc(2026, 2, 10))
    assert Invoice.objects.filter(period_start=utc(2026, 2, 10), status="paid").count() == 2
    charges = _charges_at_the_gateway()
    assert len(charges) == 4 and all(r == 1 for _a, r in charges.values())
    assert Payment.objects.aggregate(s=Sum("amount"))["s"] == sum(a for a, _r in charges.values())


def test_a_call_the_processor_never_saw_is_made_once_with_the_same_key(monkeypatch, settings):
    """The process died after recording the calls and before making them: the next pass finds
    the processor has no charge under the key, and makes it then — once."""
    settings.PRORATA_PAYMENT_LEASE_SECONDS = 0
    clock, subs = _subs(2)
    from prorata.subscriptions import engine

    monkeypatch.setattr(engine, "batch_charge", lambda batch: {})
    _pass(clock, utc(2026, 2, 10))
    assert GatewayCall.objects.count() == 2 and len(_charges_at_the_gateway()) == 2  # the purchases only
    monkeypatch.undo()
    settings.PRORATA_PAYMENT_LEASE_SECONDS = 0
    _pass(clock, utc(2026, 2, 10))
    charges = _charges_at_the_gateway()
    assert set(charges) >= _renewal_keys(subs, utc(2026, 2, 10))
    assert len(charges) == 4 and all(r == 1 for _a, r in charges.values())
    assert Invoice.objects.filter(period_start=utc(2026, 2, 10), status="paid").count() == 2


def test_subscriptions_with_a_charge_in_flight_are_left_alone_until_its_lease_ends(monkeypatch):
    from prorata.subscriptions import engine

    monkeypatch.setattr(engine, "LOCKED_WAIT_LIMIT", 2)
    clock, subs = _subs(1)
    _pass(clock, utc(2026, 2, 10))  # renewed: the next renewal is due Mar 10
    GatewayCall.objects.create(
        key="in-flight", tenant_id=subs[0].tenant_id, kind="charge", purpose="renewal", subscription_id=subs[0].pk,
        amount=1, currency="USD", token="t", plan={}, lease_until=utc(2099, 1, 1), created_at=utc(2026, 3, 10))
    result = run_pass(as_of=utc(2026, 3, 11), tenant_filter=TenantFilter(clock_id=clock.pk, realtime=False))
    assert (result.renewals, result.subscriptions) == (0, 0)
    assert Invoice.objects.filter(subscription=subs[0]).count() == 2
    GatewayCall.objects.filter(key="in-flight").delete()
    assert _pass(clock, utc(2026, 3, 11)).renewals == 1


def test_one_broken_subscription_is_reported_and_does_not_stop_or_loop_the_pass(monkeypatch):
    clock, subs = _subs(3)
    original = billing_work.apply_outcome
    broken_id = subs[1].pk

    def apply(changes, work, outcome, *, actor):
        if work.sub.pk == broken_id:
            raise RuntimeError("bug")
        return original(changes, work, outcome, actor=actor)

    monkeypatch.setattr(billing_work, "apply_outcome", apply)
    result = _pass(clock, utc(2026, 5, 10))

    assert result.failures == [broken_id]
    assert Invoice.objects.filter(subscription=subs[1]).count() == 1
    assert Invoice.objects.filter(subscription=subs[0]).count() == 5
    assert Invoice.objects.filter(subscription=subs[2]).count() == 5
    # The broken one was charged once for Feb 10 and not again: its call waits for reconciliation.
    charges = _charges_at_the_gateway()
    assert all(r == 1 for _a, r in charges.values())
    assert sum(1 for k in charges if k.startswith(broken_id)) == 2


def test_the_processor_is_never_called_inside_a_transaction():
    make_tenant()
    with pytest.raises(InsideTransaction):
        with transaction.atomic():
            get_gateway().find_charge("any")
    assert connection.in_atomic_block  # the test case's own transaction is allowed


def test_declines_are_charged_once_per_attempt_and_retried_on_the_dunning_days():
    clock, subs = _subs(1)
    sub = subs[0]
    from prorata.tenants.models import PaymentMethod

    PaymentMethod.objects.filter(tenant_id=sub.tenant_id).delete()
    make_card(sub.tenant, "4000000000000341")
    _pass(clock, utc(2026, 3, 1))
    _pass(clock, utc(2026, 3, 1))  # a second pass at the same time does nothing more
    charges = _charges_at_the_gateway()
    renewal = {k: v for k, v in charges.items() if "2026-02-10" in k}
    assert sorted(renewal) == [f"{sub.pk}/2026-02-10T00:00:00+00:00/{n}" for n in (1, 2, 3, 4)]
    assert all(r == 1 for _a, r in renewal.values())
    sub = Subscription.objects.get(pk=sub.pk)
    assert sub.status == "expired"
    assert list(Payment.objects.filter(key__in=renewal).order_by("attempt").values_list("attempt", "status", "created_at")) == [
        (1, "failed", utc(2026, 2, 10)), (2, "failed", utc(2026, 2, 11)), (3, "failed", utc(2026, 2, 13)),
        (4, "failed", utc(2026, 2, 15))]
