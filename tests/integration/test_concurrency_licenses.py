"""Races on PostgreSQL, with real threads each on its own connection.

The services lock the subscription row before checking counts or status, so parallel requests
serialise on it: never more licenses than purchased, and never a cancel decided on a stale count.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from test_subscriptions_helpers import assign_directly, buy, make_world

from prorata.billing.models import CreditNote
from prorata.core.actor import Actor
from prorata.core.errors import ProrataError
from prorata.licenses.models import License
from prorata.licenses.services import license_assign
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import subscription_cancel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _admin(tenant) -> Actor:
    return Actor(kind="api_key", id="key_race", label="race", tenant_id=tenant.pk, role="global_admin")


def _run_together(calls):
    """Start every call at once (a barrier), each in its own thread and connection; return outcomes."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return "ok", call()
        except ProrataError as exc:
            return exc.code, None
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_twenty_parallel_assignments_to_three_free_seats(settings) -> None:
    settings.PRORATA_RATE_LIMIT = 0
    w = make_world(users=40)
    sub_id = buy(w, quantity=23)["id"]
    assign_directly(sub_id, w.users[:20])
    actor = _admin(w.tenant)
    newcomers = w.users[20:40]
    outcomes = _run_together([lambda u=u: license_assign(actor=actor, subscription_id=sub_id, user_id=u.pk) for u in newcomers])
    counts = Counter(code for code, _ in outcomes)
    assert counts == {"ok": 3, "no_licenses_available": 17}
    assert License.objects.filter(subscription_id=sub_id).count() == 23


def test_parallel_assignments_of_one_user_give_one_license(settings) -> None:
    w = make_world(users=1)
    sub_id = buy(w, quantity=5)["id"]
    actor = _admin(w.tenant)
    outcomes = _run_together([lambda: license_assign(actor=actor, subscription_id=sub_id, user_id=w.users[0].pk)] * 10)
    assert Counter(code for code, _ in outcomes) == {"ok": 1, "license_already_assigned": 9}
    assert License.objects.filter(subscription_id=sub_id).count() == 1


@pytest.mark.parametrize("round_", range(8))
def test_cancel_racing_the_25th_assignment_never_uses_a_stale_count(round_: int) -> None:
    w = make_world(users=25)
    sub_id = buy(w, quantity=30)["id"]
    assign_directly(sub_id, w.users[:24])
    actor = _admin(w.tenant)
    last = w.users[24]
    calls = [
        lambda: subscription_cancel(actor=actor, subscription_id=sub_id),
        lambda: license_assign(actor=actor, subscription_id=sub_id, user_id=last.pk),
    ]
    if round_ % 2:
        calls.reverse()
    outcomes = dict(zip(["cancel", "assign"] if round_ % 2 == 0 else ["assign", "cancel"], _run_together(calls), strict=True))
    sub = Subscription.objects.get(pk=sub_id)
    assigned = License.objects.filter(subscription_id=sub_id).count()
    if outcomes["cancel"][0] == "ok":
        # Cancel went first: it saw 24, and the assignment then found a disabled subscription.
        assert (sub.status, assigned) == ("disabled", 24)
        assert outcomes["assign"][0] == "subscription_not_active"
    else:
        # Assignment went first: the cancel saw 25 and refused.
        assert outcomes["cancel"][0] == "too_many_licenses"
        assert outcomes["assign"][0] == "ok"
        assert (sub.status, assigned) == ("active", 25)
    assert not (sub.status == "disabled" and assigned > 24)


def test_parallel_cancels_cancel_once_and_credit_once() -> None:
    w = make_world()
    sub_id = buy(w, quantity=3)["id"]
    actor = _admin(w.tenant)
    outcomes = _run_together([lambda: subscription_cancel(actor=actor, subscription_id=sub_id)] * 8)
    assert Counter(code for code, _ in outcomes) == {"ok": 1, "already_cancelled": 7}
    assert CreditNote.objects.filter(subscription_id=sub_id).count() == 1
    assert CreditNote.objects.get(subscription_id=sub_id).amount == 6000

