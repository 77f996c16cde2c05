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
