"""Property: the billing pass writes the same rows in every table — invoices, lines, payments,
credit applications, credit notes, refunds, subscriptions, status changes, audit rows, events,
webhook deliveries, the processor's ledger — whether the one writer gets a whole batch of
outcomes or one at a time."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import rolled_back
from factories import make_card, make_clock, make_plan, make_tenant, utc
from prorata.audit.models import AuditEvent
from prorata.billing.models import (
    CreditApplication,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)
from prorata.core.periods import boundary
from prorata.payments.models import SandboxOperation
from prorata.subscriptions.engine import TenantFilter, run_pass
from prorata.subscriptions.models import StatusChange, Subscription
from prorata.tenants.models import Tenant
from prorata.webhooks.models import Delivery, Event, WebhookEndpoint

pytestmark = pytest.mark.django_db

AS_OF = utc(2026, 3, 20)

specs = st.lists(
    st.fixed_dictionaries({
        "tenant": st.integers(0, 3), "quantity": st.integers(1, 20), "day": st.integers(0, 27),
        "hour": st.sampled_from([0, 9, 17]), "note": st.sampled_from([0, 0, 0, 700, 50_000]),
    }),
    min_size=1, max_size=12,
)
tenant_specs = st.lists(
    st.fixed_dictionaries({"declines": st.booleans(), "balance": st.sampled_from([0, 0, 300, 100_000]),
                           "endpoint": st.booleans(), "refund_now": st.booleans()}),
    min_size=4, max_size=4,
)


def _seed(tenants: list[dict], subs: list[dict]) -> Any:
    clock = make_clock(utc(2026, 1, 1))
    plans = {False: make_plan(unit_amount=1500), True: make_plan(unit_amount=1500, credit_settlement="refund_now")}
    WebhookEndpoint.objects.create(url="https://vendor.test/", events=["*"], secret="whsec_AAAA", created_by="t", created_at=utc(2026, 1, 1))
    made = []
    for i, spec in enumerate(tenants):
        tenant = make_tenant(test_clock=clock, credit_balance=spec["balance"], timezone=["UTC", "Asia/Shanghai"][i % 2],
                             language=["en", "zh-Hans"][i % 2])
        make_card(tenant, "4000000000000341" if spec["declines"] else "4242424242424242")
        if spec["endpoint"]:
            WebhookEndpoint.objects.create(tenant=tenant, url=f"https://t{i}.test/", events=["invoice.paid", "subscription.renewed"],
                                           secret="whsec_AAAA", created_by="t", created_at=utc(2026, 1, 1))
        made.append(tenant)
    for spec in subs:
        tenant, plan = made[spec["tenant"]], plans[tenants[spec["tenant"]]["refund_now"]]
        anchor = utc(2026, 1, 20, spec["hour"]) + timedelta(days=spec["day"])
        start, end = boundary(anchor, "month", 0, tenant.timezone), boundary(anchor, "month", 1, tenant.timezone)
        sub = Subscription.objects.create(
            tenant=tenant, plan=plan, quantity=spec["quantity"], status="active", billing_anchor=anchor,
            current_period_start=start, current_period_end=end, status_changed_at=start, next_action_at=end, created_at=start)
        if spec["note"]:
            # A credit note against the paid current period, settling at its end (a seat decrease's).
            paid = Invoice.objects.create(tenant=tenant, subscription=sub, number=f"S-{sub.pk[-20:]}", kind="period", currency="USD",
                                          period_start=start, period_end=end, issued_at=start, status="paid",
                                          subtotal=1500 * spec["quantity"], total=1500 * spec["quantity"],
                                          amount_paid=1500 * spec["quantity"], created_at=start)
            Payment.objects.create(tenant=tenant, invoice=paid, key=f"seed/{sub.pk}", attempt=1, amount=paid.total,
                                   currency="USD", status="succeeded", payment_method=tenant.payment_methods.first(),
                                   reference=f"ref_{sub.pk}", created_at=start)
            CreditNote.objects.create(tenant=tenant, subscription=sub, invoice=paid, number=f"CN-{sub.pk[-20:]}", currency="USD",
                                      amount=min(spec["note"], paid.total), reason="seat_decrease_proration",
                                      settles_on=end, created_at=start)
    return clock


def _rows() -> dict[str, list]:
    """Every table's rows, with generated ids replaced by the business keys of their rows."""
    names: dict[Any, str] = {}
    for i in Invoice.objects.all():
        names[i.pk] = f"invoice:{i.subscription_id}:{i.kind}:{i.period_start.isoformat()}"
    # Invoice numbers come from one sequence for all tenants, and tenants' work may interleave in
    # another order when claimed a row at a time; what must hold is each tenant's own order.
    by_tenant: dict[str, list[str]] = defaultdict(list)
    for number, tenant_id in Invoice.objects.exclude(number__startswith="S-").values_list("number", "tenant_id"):
        by_tenant[tenant_id].append(number)
    for tenant_id, numbers in by_tenant.items():
        for rank, number in enumerate(sorted(numbers)):
            names[number] = f"number:{tenant_id}:{rank}"
    for p in Payment.objects.all():
        names[p.pk] = f"payment:{p.key}"
    for r in Refund.objects.all():
        names[r.pk] = f"refund:{r.credit_note_id}:{names[r.payment_id]}"
    for a in AuditEvent.objects.all():
        names[a.pk] = f"audit:{a.action}:{names.get(a.object_id, a.object_id)}:{a.occurred_at.isoformat()}"
    for e in Event.objects.all():
        names[e.pk] = f"event:{names[e.audit_event_id]}"

    def canon(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: canon(v) for k, v in value.items()}
        if isinstance(value, list):
            return [canon(v) for v in value]
        return names.get(value, value) if isinstance(value, str) else value

    def table(model, exclude=("id",), **filters) -> list:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
        rows = [tuple(names[v] if f == "audit_event_id" else canon(v) for f in fields for v in [getattr(obj, f)])
                for obj in model.objects.filter(**filters)]
        return sorted(rows, key=repr)

    return {
        "invoices": table(Invoice), "lines": table(InvoiceLine), "payments": table(Payment),
        "credit_applications": table(CreditApplication), "credit_notes": table(CreditNote), "refunds": table(Refund),
        "subscriptions": table(Subscription, exclude=()), "status_changes": table(StatusChange),
        "tenants": table(Tenant, exclude=()), "audit": table(AuditEvent, exclude=("id", "recorded_at")),
        "events": table(Event), "deliveries": table(Delivery, exclude=("id", "next_attempt_at", "created_at")),
        "processor": table(SandboxOperation, exclude=("created_at",)),
    }


def _run(clock, batch_size: int) -> dict[str, list]:
    with rolled_back():
        run_pass(as_of=AS_OF, tenant_filter=TenantFilter(clock_id=clock.pk, realtime=False), batch_size=batch_size)
        return _rows()


@settings(max_examples=int(os.environ.get("PRORATA_PROPERTY_EXAMPLES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(tenants=tenant_specs, subs=specs)
def test_a_batch_of_outcomes_writes_the_same_rows_as_one_at_a_time(tenants, subs):
    with rolled_back():
        clock = _seed(tenants, subs)
        together = _run(clock, 1000)
        alone = _run(clock, 1)
    assert together["invoices"], "the pass renewed nothing"
    for name in together:
        assert together[name] == alone[name], name
