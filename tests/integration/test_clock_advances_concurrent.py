"""Two advances of one test clock at once, through the API, on PostgreSQL: the advances are
serialised per clock, so every piece of work up to the later time is done exactly once."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections
from django.db.models import Count

from conftest import ApiClient
from factories import make_api_key, make_card, make_clock, make_plan, make_tenant, utc
from prorata.billing.models import GatewayCall, Invoice
from prorata.core.actor import Actor
from prorata.payments.models import SandboxOperation
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import subscription_purchase
from prorata.tenants.models import TestClock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OPERATOR = Actor(kind="api_key", id="key_clock", label="operator", is_operator=True, role="operator")


@pytest.mark.parametrize("trial", range(5))
def test_two_advances_at_once_end_with_all_work_up_to_the_later_time_done_once(trial, settings):
    clock = make_clock(utc(2026, 3, 5, 12))
    tenants = [make_tenant(test_clock=clock) for _ in range(3)]
    for t in tenants:
        make_card(t)
    plan = make_plan(unit_amount=1000)
    subs = [subscription_purchase(actor=OPERATOR, tenant_id=tenants[i % 3].pk, plan_id=plan.pk, quantity=1 + i)
            for i in range(30)]
    _key, secret = make_api_key()
    answers: dict[str, tuple[int, str]] = {}
    # A processor that takes its time: the second advance starts while the first has charges in flight.
    settings.PRORATA_SANDBOX_LATENCY = 0.2

    def advance(to: str) -> None:
        try:
            response = ApiClient(secret).post(f"/test_clocks/{clock.pk}/advance", {"frozen_time": to})
            answers[to] = (response.status_code, response.json().get("error", {}).get("code", ""))
        finally:
            connections.close_all()

    order = ("2026-06-05T12:00:00Z", "2026-04-05T12:00:00Z") if trial % 2 else ("2026-04-05T12:00:00Z", "2026-06-05T12:00:00Z")
    threads = [threading.Thread(target=advance, args=(to,)) for to in order]
    threads[0].start()
    deadline = time.monotonic() + 60
    while not GatewayCall.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    threads[1].start()
    for t in threads:
        t.join(timeout=300)

    assert answers["2026-06-05T12:00:00Z"] == (200, "")
    # The earlier target either went first or found the clock past it already.
    assert answers["2026-04-05T12:00:00Z"] in ((200, ""), (409, "clock_cannot_go_backwards"))
    assert TestClock.objects.get(pk=clock.pk).frozen_time == utc(2026, 6, 5, 12)
    per_sub = dict(Invoice.objects.filter(kind="period").values_list("subscription_id").annotate(n=Count("id")))
    assert per_sub == {s.pk: 4 for s in subs}  # Mar, Apr, May, Jun: 120 period invoices
    # Each charge was asked of the processor once: neither advance took over the other's calls.
    charges = list(SandboxOperation.objects.filter(kind="charge").values_list("requests", flat=True))
    assert len(charges) == 120 and set(charges) == {1}
    for sub in Subscription.objects.filter(pk__in=[s.pk for s in subs]):
        assert (sub.current_period_start, sub.next_action_at) == (utc(2026, 6, 5, 12), utc(2026, 7, 5, 12))
