"""Stripe as the processor of the billing pass in real processes on PostgreSQL: a pass killed with
SIGKILL between Stripe's answers and the commit of their outcomes, and started again, charges
nobody twice — counted at localstripe, which does not honour idempotency keys, so only
Prorata's own records (the recorded calls, reconciled by asking Stripe) prevent a second charge."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from test_worker_billing import _assert_each_renewed_exactly_once, _billing_run, _env, _seed

from prorata.billing.models import GatewayCall, Invoice, Payment
from prorata.core.actor import SYSTEM
from prorata.tenants.services import payment_method_add

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_stripe_pass_killed_between_the_charges_and_their_commit_charges_nobody_twice(stripe_gateway):
    server = stripe_gateway
    ids = _seed(60, card=lambda t: payment_method_add(actor=SYSTEM, tenant=t, stripe_payment_method=server.card()))
    env = {**_env(), **server.settings(), "KILL_AT_BATCH": "3", "PRORATA_PAYMENT_LEASE_SECONDS": "1"}
    victim = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "killed_pass.py"), "10"],
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert victim.returncode == -signal.SIGKILL, (victim.stdout, victim.stderr)
    assert Invoice.objects.filter(kind="period").count() == 20
    assert GatewayCall.objects.count() == 10
    assert len(server.charges()) == 30  # the third batch was charged at Stripe; its outcome is lost
    time.sleep(1.2)  # the dead pass's lease on its calls ends

    again = _billing_run(25, env_extra=server.settings())
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, (out, err)
    _assert_each_renewed_exactly_once(ids)
    assert not GatewayCall.objects.exists()
    charges = server.charges()
    keys = Counter(c.payment_intent.metadata["prorata_key"] for c in charges)
    assert len(charges) == len(ids) and set(keys.values()) == {1}
    assert set(keys) == set(Payment.objects.values_list("key", flat=True))
    assert {(c.payment_intent.id, c.amount, c.currency, c.status) for c in charges} == {
        (p.reference, p.amount, "usd", "succeeded") for p in Payment.objects.all()}


def test_the_jpy_walk_killed_at_its_refund_and_at_its_renewal_moves_each_yen_once_at_stripe(stripe_gateway):
    """Purchase, cancellation, the settlement's refund and a renewal in JPY (no minor unit), with
    the pass killed with SIGKILL after Stripe refunded and, started again, after Stripe charged the
    renewal — each before its outcome committed: at localstripe every charge and refund once, with
    Prorata's amounts in yen."""
    from datetime import timedelta

    from factories import make_plan, make_tenant
    from prorata.billing.models import CreditNote, Refund
    from prorata.core.clock import system_clock
    from prorata.subscriptions.services import subscription_cancel, subscription_purchase

    server = stripe_gateway
    tenant = make_tenant(currency="JPY", country="JP", timezone="Asia/Tokyo")
    payment_method_add(actor=SYSTEM, tenant=tenant, stripe_payment_method=server.card())
    plan = make_plan(unit_amount=1200, currency="JPY")
    cancelled = subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=plan.pk, quantity=2)
    renewing = subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=plan.pk, quantity=3)
    _sub, note = subscription_cancel(actor=SYSTEM, subscription_id=cancelled.pk, reason="too_expensive")
    assert note.amount > 0 and note.status == "pending"
    as_of = (system_clock.now() + timedelta(days=32)).isoformat()
    env = {**_env(), **server.settings(), "KILL_AT_BATCH": "1", "PRORATA_PAYMENT_LEASE_SECONDS": "1", "PASS_AS_OF": as_of}
    script = os.path.join(os.path.dirname(__file__), "killed_pass.py")

    for kill_on in ("refunds", "charges"):
        victim = subprocess.run([sys.executable, script, "10"], env={**env, "KILL_ON": kill_on}, capture_output=True,
                                text=True, timeout=120, check=False)
        assert victim.returncode == -signal.SIGKILL, (kill_on, victim.stdout, victim.stderr)
        assert GatewayCall.objects.count() == 1  # made at Stripe, its outcome lost
        time.sleep(1.2)  # the dead pass's lease on its call ends
    assert len(server.refunds()) == 1 and len(server.charges()) == 3

    last = subprocess.run([sys.executable, script, "10"], env={**env, "KILL_ON": "none", "KILL_AT_BATCH": "0"},
                          capture_output=True, text=True, timeout=120, check=False)
    assert last.returncode == 0, (last.stdout, last.stderr)
    assert not GatewayCall.objects.exists()
    payments = list(Payment.objects.filter(tenant=tenant).order_by("created_at"))
    assert [(p.status, p.amount, p.currency) for p in payments] == [
        ("succeeded", 2400, "JPY"), ("succeeded", 3600, "JPY"), ("succeeded", 3600, "JPY")]
    charges = server.charges()
    keys = Counter(c.payment_intent.metadata["prorata_key"] for c in charges)
    assert set(keys.values()) == {1} and set(keys) == {p.key for p in payments}
    assert sorted((c.payment_intent.id, c.amount, c.currency) for c in charges) == sorted(
        (p.reference, p.amount, "jpy") for p in payments)
    [refund] = Refund.objects.filter(tenant=tenant)
    [at_stripe] = server.refunds()
    note = CreditNote.objects.get(pk=note.pk)
    assert note.status == "settled" and refund.amount == note.amount == note.refunded_amount
    assert (at_stripe.id, at_stripe.amount, at_stripe.currency, at_stripe.payment_intent) == (
        refund.reference, refund.amount, "jpy", payments[0].reference)
    renewal = Invoice.objects.get(subscription=renewing, kind="period", status="paid", period_start__gt=renewing.current_period_start)
    assert renewal.total == 3600
