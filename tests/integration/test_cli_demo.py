"""The demo seed: what `prorata run` shows on an empty database, built through the services."""

from __future__ import annotations

import pytest

from factories import make_tenant, utc
from prorata import demo
from prorata.audit.models import AuditEvent
from prorata.billing.models import Invoice
from prorata.subscriptions.models import Subscription
from prorata.subscriptions.services import subscription_cancellation_decision
from prorata.support.models import CallbackRequest
from prorata.tenants.models import PaymentMethod, Tenant, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> demo.DemoSeed:
    result = demo.seed_if_empty()
    assert result is not None
    return result


def test_contoso_has_people_and_can_sign_in(seeded: demo.DemoSeed) -> None:
    contoso = Tenant.objects.get(pk=seeded.contoso_id)
    assert (contoso.name, contoso.timezone, contoso.language, contoso.currency) == ("Contoso Ltd", "America/Los_Angeles", "en", "USD")
    assert contoso.test_clock_id == seeded.clock_id
    assert User.objects.filter(tenant=contoso).count() == 34
    assert User.objects.get(email=demo.CONTOSO_ADMIN).role == "global_admin"
    assert User.objects.get(email=demo.CONTOSO_BILLING).role == "billing_admin"
    for email in (demo.CONTOSO_ADMIN, demo.CONTOSO_BILLING, demo.NORTHWIND_ADMIN, demo.SUPPORT_ENGINEER, demo.OPERATOR):
        assert User.objects.get(email=email).check_password(demo.DEMO_PASSWORD), email
    support = User.objects.get(email=demo.SUPPORT_ENGINEER)
    assert (support.role, support.tenant_id, support.is_staff) == ("support_engineer", None, False)
    operator = User.objects.get(email=demo.OPERATOR)
    assert (operator.role, operator.tenant_id, operator.is_staff, operator.is_superuser) == ("operator", None, True, True)


def test_three_months_of_bills_to_the_cent(seeded: demo.DemoSeed) -> None:
    invoices = list(Invoice.objects.filter(tenant_id=seeded.contoso_id).order_by("period_start", "total"))
    starts = [utc(2026, 5, 4, 16), utc(2026, 6, 4, 16), utc(2026, 7, 4, 16), utc(2026, 8, 4, 16)]
    # Business Basic: 10 x $6.00; Suite E3: 35 x $20.00; each period, paid by the card.
    assert [(i.period_start, i.total, i.status) for i in invoices] == [
        (start, total, "paid") for start in starts for total in (6000, 70000)
    ]
    assert seeded.invoices == 8
    assert AuditEvent.objects.filter(action="subscription.renewed", tenant_id=seeded.contoso_id).count() == 6


def test_the_three_cancellation_outcomes(seeded: demo.DemoSeed) -> None:
    actor = demo.seed_actor()
    e3 = subscription_cancellation_decision(actor=actor, subscription_id=seeded.subscriptions["contoso_e3"])
    assert (e3.outcome, e3.code, e3.assigned_licenses, e3.users_to_remove) == ("blocked", "too_many_licenses", 30, 6)
    basic = subscription_cancellation_decision(actor=actor, subscription_id=seeded.subscriptions["contoso_basic"])
    assert (basic.outcome, basic.assigned_licenses) == ("allowed", 4)
    # Cancelled on Aug 12 (local), 8 of the 31 days of [Aug 4, Sep 4) used: $60.00 x 23/31 = $44.516 -> $44.52.
    assert basic.refund_preview is not None
    assert (basic.refund_preview.amount, basic.refund_preview.currency) == (4452, "USD")
    assert basic.refund_preview.settles_on == utc(2026, 9, 4, 16)
    trial = subscription_cancellation_decision(actor=actor, subscription_id=seeded.subscriptions["northwind_trial"])
    assert (trial.outcome, trial.code) == ("nothing_to_cancel", "trial_nothing_to_cancel")
    northwind = Subscription.objects.get(pk=seeded.subscriptions["northwind_trial"])
    assert (northwind.status, northwind.trial_end) == ("trialing", utc(2026, 9, 11, 16))
    assert not PaymentMethod.objects.filter(tenant_id=seeded.northwind_id).exists()
    assert CallbackRequest.objects.get().subscription_id == seeded.subscriptions["contoso_e3"]


def test_seeding_twice_changes_nothing(seeded: demo.DemoSeed) -> None:
    counts = (Tenant.objects.count(), User.objects.count(), Invoice.objects.count(), AuditEvent.objects.count())
    assert demo.seed_if_empty() is None
    assert (Tenant.objects.count(), User.objects.count(), Invoice.objects.count(), AuditEvent.objects.count()) == counts


def test_no_demo_on_a_database_with_a_tenant() -> None:
    make_tenant()
    assert demo.seed_if_empty() is None
    assert not User.objects.exists()
    assert demo.sign_in_lines(None) == ["No demo sign-ins: this database was not seeded with the demo."]


def test_sign_in_lines(seeded: demo.DemoSeed) -> None:
    lines = demo.sign_in_lines(seeded)
    assert lines[0] == f"Demo sign-ins (password for all: {demo.DEMO_PASSWORD}):"
    assert [line.split()[0] for line in lines[1:]] == [
        demo.CONTOSO_ADMIN, demo.CONTOSO_BILLING, demo.NORTHWIND_ADMIN, demo.SUPPORT_ENGINEER, demo.OPERATOR,
    ]
