"""Lock order on PostgreSQL: subscription, then tenant, then credit notes — in every transaction.

A clock advance renews, settles the credit notes that fall due and moves credit to tenants'
balances; at the same moment the tenants' admins lower and raise their seat counts, which
creates credit notes settled at once (to the balance) and spends balances. If one transaction
locked a credit note and then its tenant while another locked the tenant and then the note, the
two could wait on each other until PostgreSQL aborts one (a deadlock, a failed request). So
every service takes these locks in one order, which the first tests check statement by
statement; the last runs them all at once.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction
from django.db.models import F, Sum

from conftest import ApiClient
from factories import make_api_key, make_card, make_clock, make_plan, make_tenant, utc
from prorata.billing.models import CreditNote, GatewayCall, Invoice, Payment, Refund
from prorata.core.actor import Actor
from prorata.subscriptions.engine import TenantFilter, run_pass
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import (
    subscription_cancel,
    subscription_change_quantity,
    subscription_purchase,
)
from prorata.tenants.models import Tenant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OPERATOR = Actor(kind="api_key", id="key_locks", label="operator", is_operator=True, role="operator")

# The order of SPEC's aggregates: a subscription belongs to a tenant, a credit note to both.
RANK = {"subscriptions_subscription": 1, "tenants_tenant": 2, "billing_creditnote": 3}
_LOCKING = [
    re.compile(r'^\s*UPDATE\s+"(?P<table>\w+)"', re.I),
    re.compile(r'^\s*SELECT\b.*?\bFROM\s+"(?P<table>\w+)".*\bFOR (?:NO KEY )?UPDATE\b(?P<of>\s+OF\s+"\w+")?', re.I | re.S),
]


def _locked_table(sql: str) -> str | None:
    for pattern in _LOCKING:
        match = pattern.match(sql)
        if match:
            of = match.groupdict().get("of")
            return of.split('"')[1] if of else match["table"]
    return None


@contextmanager
def transactions() -> Iterator[list[list[str]]]:
    """The statements of every transaction committed or rolled back meanwhile, one list each."""
    done: list[list[str]] = []
    current: list[str] = []
    real_commit, real_rollback = connection._commit, connection._rollback

    def execute(run, sql, params, many, context):
        current.append(sql)
        return run(sql, params, many, context)

    def end(real):
        def ended():
            done.append(list(current))
            current.clear()
            return real()
        return ended

    connection._commit, connection._rollback = end(real_commit), end(real_rollback)
    try:
        with connection.execute_wrapper(execute):
            yield done
    finally:
        del connection._commit, connection._rollback


def lock_order_breaks(done: list[list[str]]) -> list[tuple[str, str]]:
    """(table locked, table locked before it of a later rank) for each step out of order."""
    breaks = []
    for statements in done:
        locked: set[str] = set()
        for sql in statements:
            table = _locked_table(sql)
            if table not in RANK or table in locked:
                continue
            later = [t for t in locked if RANK[t] > RANK[table]]
            breaks.extend((table, t) for t in later)
            locked.add(table)
    return breaks


def _paid_subscription(plan, tenant=None, quantity=10):
    tenant = tenant or make_tenant()
    make_card(tenant)
    return subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=plan.pk, quantity=quantity)


def test_a_seat_decrease_settled_to_the_balance_locks_the_tenant_before_its_note():
    sub = _paid_subscription(make_plan(unit_amount=3000, credit_settlement="keep_as_balance"))
    with transactions() as done:
        subscription_change_quantity(actor=OPERATOR, subscription_id=sub.pk, quantity=6)
    assert Tenant.objects.get(pk=sub.tenant_id).credit_balance > 0
    assert any(_locked_table(s) == "billing_creditnote" for t in done for s in t)
    assert lock_order_breaks(done) == []


def test_a_seat_increase_spending_the_balance_locks_subscription_then_tenant():
    sub = _paid_subscription(make_plan(unit_amount=3000, credit_settlement="keep_as_balance"))
    subscription_change_quantity(actor=OPERATOR, subscription_id=sub.pk, quantity=6)
    with transactions() as done:
        subscription_change_quantity(actor=OPERATOR, subscription_id=sub.pk, quantity=12)
    assert any(_locked_table(s) == "tenants_tenant" for t in done for s in t)
    assert lock_order_breaks(done) == []


def test_a_cancel_refunded_at_once_keeps_the_order():
    sub = _paid_subscription(make_plan(unit_amount=3000, credit_settlement="refund_now"))
    with transactions() as done:
        subscription_cancel(actor=OPERATOR, subscription_id=sub.pk, reason="too_expensive")
    assert Refund.objects.filter(credit_note__subscription_id=sub.pk).exists()
    assert lock_order_breaks(done) == []


def test_the_billing_pass_settling_notes_and_renewing_keeps_the_order(monkeypatch):
    clock = make_clock(utc(2026, 3, 5, 12))
    tenant = make_tenant(test_clock=clock)
    balance_plan = make_plan(unit_amount=3000, credit_settlement="keep_as_balance")
    cycle_plan = make_plan(unit_amount=2000, credit_settlement="next_billing_cycle")
    first = _paid_subscription(balance_plan, tenant)
    second = _paid_subscription(cycle_plan, tenant)
    _paid_subscription(balance_plan, tenant)
    # A note due at once that its request did not get to settle (the process stopped after the
    # commit): the pass settles it, to the balance; a note of the next cycle the renewal takes.
    import prorata.subscriptions.services.quantity as quantity

    monkeypatch.setattr(quantity, "credit_notes_settle_now", lambda *a, **k: None)
    subscription_change_quantity(actor=OPERATOR, subscription_id=first.pk, quantity=4)
    subscription_change_quantity(actor=OPERATOR, subscription_id=second.pk, quantity=7)
    assert CreditNote.objects.filter(tenant=tenant, status="pending").count() == 2
    with transactions() as done:
        run_pass(as_of=utc(2026, 4, 5, 12, 1), tenant_filter=TenantFilter(clock_id=clock.pk, realtime=False))
    assert not CreditNote.objects.filter(tenant=tenant, status="pending").exists()
    assert Invoice.objects.filter(tenant=tenant, kind="period", period_start__gte=utc(2026, 4, 5)).count() == 3
    assert lock_order_breaks(done) == []


def test_the_checker_sees_a_transaction_out_of_order():
    # The check itself: a note locked, then its tenant, is reported.
    assert lock_order_breaks([['SELECT "billing_creditnote"."id" FROM "billing_creditnote" WHERE x FOR UPDATE',
                               'UPDATE "tenants_tenant" SET "credit_balance" = 1']]) == [("tenants_tenant", "billing_creditnote")]
    assert lock_order_breaks([['SELECT "a"."id" FROM "subscriptions_subscription" WHERE x FOR UPDATE OF "subscriptions_subscription"',
                               'UPDATE "tenants_tenant" SET "credit_balance" = 1',
                               'SELECT "id" FROM "billing_creditnote" WHERE x FOR UPDATE']]) == []


@pytest.mark.parametrize("trial", range(2))
def test_seat_changes_during_a_clock_advance_never_deadlock(trial, settings):
    settings.PRORATA_SANDBOX_LATENCY = 0.01
    clock = make_clock(utc(2026, 3, 5, 12))
    tenants = [make_tenant(test_clock=clock) for _ in range(2)]
    for t in tenants:
        make_card(t)
    balance = make_plan(unit_amount=3000, credit_settlement="keep_as_balance")
    cycle = make_plan(unit_amount=2000, credit_settlement="next_billing_cycle")
    subs = [subscription_purchase(actor=OPERATOR, tenant_id=tenants[i % 2].pk, plan_id=(balance, cycle)[i % 3 == 0].pk,
                                  quantity=20) for i in range(12)]
    # Credit notes that fall due at the advance's first renewal, and balances to spend there.
    for sub in subs[::2]:
        assert ApiClient(make_api_key()[1]).post(f"/subscriptions/{sub.pk}/quantity", {"quantity": 18}).status_code == 200
    _key, secret = make_api_key()
    statuses: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def record(what: str, response) -> None:
        code = response.json().get("error", {}).get("code", "") if response.status_code >= 400 else ""
        with lock:
            statuses.append((what, response.status_code, code))

    def advance() -> None:
        try:
            for month in (4, 5, 6):
                record("advance", ApiClient(secret).post(f"/test_clocks/{clock.pk}/advance",
                                                         {"frozen_time": f"2026-{month:02d}-05T12:00:00Z"}))
        finally:
            connections.close_all()

    def seats(seed: int) -> None:
        rng = random.Random(trial * 100 + seed)
        try:
            for _ in range(25):
                sub = rng.choice(subs)
                quantity = rng.randint(12, 24)
                record("seats", ApiClient(secret).post(f"/subscriptions/{sub.pk}/quantity", {"quantity": quantity}))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=advance)] + [threading.Thread(target=seats, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)

    failures = [s for s in statuses if s[1] >= 500]
    assert failures == []
    assert [s for s in statuses if s[0] == "advance"] == [("advance", 200, "")] * 3
    # Refusals are the product's own, with their codes (a subscription mid-payment, say).
    assert {s[2] for s in statuses if s[1] >= 400} <= {"payment_in_progress", "subscription_not_changeable",
                                                        "subscription_past_due"}

    # Every cent accounted for.
    assert not GatewayCall.objects.exists()
    for invoice in Invoice.objects.all():
        assert 0 <= invoice.amount_paid <= invoice.total == invoice.subtotal - invoice.credit_applied
    paid = Invoice.objects.aggregate(s=Sum("amount_paid"))["s"] or 0
    charged = Payment.objects.filter(status="succeeded").aggregate(s=Sum("amount"))["s"] or 0
    assert paid == charged
    for note in CreditNote.objects.exclude(status="pending"):
        assert note.applied_amount + note.refunded_amount == note.amount
    for tenant in Tenant.objects.filter(pk__in=[t.pk for t in tenants]):
        assert tenant.credit_balance >= 0
    refunded = Refund.objects.filter(status="succeeded").aggregate(s=Sum("amount"))["s"] or 0
    assert refunded <= charged


def test_a_transaction_aborted_by_a_deadlock_runs_again_and_completes():
    # Two transactions that do lock in opposite orders: PostgreSQL aborts one, which runs again.
    first, second = make_tenant(), make_tenant()
    runs: list[str] = []
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(a: str, b: str, name: str) -> None:
        from prorata.platform.locks import retry_on_lock_conflict

        def once() -> None:
            runs.append(name)
            with transaction.atomic():
                Tenant.objects.filter(pk=a).update(credit_balance=F("credit_balance") + 1)
                try:
                    barrier.wait(timeout=5)
                except threading.BrokenBarrierError:
                    pass  # the run again: the other has finished
                Tenant.objects.filter(pk=b).update(credit_balance=F("credit_balance") + 1)

        try:
            retry_on_lock_conflict(once)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(first.pk, second.pk, "ab")),
               threading.Thread(target=work, args=(second.pk, first.pk, "ba"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(runs) == 3  # one of the two ran twice
    assert sorted(Tenant.objects.filter(pk__in=[first.pk, second.pk]).values_list("credit_balance", flat=True)) == [2, 2]


def test_a_lock_conflict_that_reaches_the_api_is_a_409_with_a_code(monkeypatch):
    import psycopg
    from django.db import OperationalError

    import prorata.subscriptions.api as subscriptions_api

    sub = _paid_subscription(make_plan(unit_amount=3000))

    def conflict(**kwargs):
        try:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        except psycopg.Error as exc:
            raise OperationalError(str(exc)) from exc

    monkeypatch.setattr(subscriptions_api.services, "subscription_change_quantity", conflict)
    response = ApiClient(make_api_key()[1]).post(f"/subscriptions/{sub.pk}/quantity", {"quantity": 12})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "concurrent_change"
    zh = ApiClient(make_api_key()[1], language="zh-Hans").post(f"/subscriptions/{sub.pk}/quantity", {"quantity": 12})
    assert zh.json()["error"]["message"] != response.json()["error"]["message"]


def test_a_void_returning_the_credit_locks_subscription_then_tenant():
    from prorata.subscriptions.services import invoice_void

    tenant = make_tenant(collection="send_invoice")
    Tenant.objects.filter(pk=tenant.pk).update(credit_balance=500)
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=make_plan(unit_amount=3000).pk, quantity=1)
    invoice = Invoice.objects.get(subscription=sub)
    with transactions() as done:
        invoice_void(actor=OPERATOR, invoice_id=invoice.pk)
    assert Tenant.objects.get(pk=tenant.pk).credit_balance == 500
    assert any(_locked_table(s) == "tenants_tenant" for t in done for s in t)
    assert lock_order_breaks(done) == []


@pytest.mark.django_db(transaction=True)
def test_a_checkout_whose_outcome_write_meets_a_lock_conflict_writes_it_once_on_the_second_run(monkeypatch):
    import psycopg
    from django.db import OperationalError

    import prorata.subscriptions.services.checkout as checkout
    from prorata.payments.models import SandboxOperation

    real = checkout.checkout_complete
    seen: list[object] = []

    def conflicted_once(call, result, prepared=None):
        seen.append(prepared)
        if len(seen) == 1:
            try:
                raise psycopg.errors.DeadlockDetected("deadlock detected")
            except psycopg.Error as exc:
                raise OperationalError(str(exc)) from exc
        return real(call, result, prepared=prepared)

    monkeypatch.setattr(checkout, "checkout_complete", conflicted_once)
    tenant = make_tenant()
    make_card(tenant)
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=make_plan(unit_amount=1200).pk, quantity=2)
    assert seen[0] is not None and seen[1] is None  # the second run read everything again
    assert Subscription.objects.filter(tenant=tenant).count() == 1 and sub.status == "active"
    assert list(SandboxOperation.objects.filter(kind="charge").values_list("requests", flat=True)) == [1]
    assert Invoice.objects.get(tenant=tenant).status == "paid"
    assert not GatewayCall.objects.exists()
