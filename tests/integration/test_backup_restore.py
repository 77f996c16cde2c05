"""`prorata backup` → damage → `prorata restore` → a billing pass, on SQLite and PostgreSQL: the
restored database holds every invoice and payment, passes the money invariants, and goes on
billing — the subscription renewed before the backup is not charged again, the one due after it is
charged once."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from django.db.models import Count, Sum

from factories import make_card, make_plan, make_tenant
from prorata.billing.models import GatewayCall, Invoice, Payment
from prorata.cli import main
from prorata.core.clock import system_clock
from prorata.subscriptions.engine import run_pass
from prorata.subscriptions.models import Subscription
from prorata.tenants.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def _due_subscription(tenant, plan, due_at):
    start = due_at - timedelta(days=31)
    return Subscription.objects.create(
        tenant=tenant, plan=plan, quantity=2, status="active", billing_anchor=start, current_period_start=start,
        current_period_end=due_at, status_changed_at=start, next_action_at=due_at, created_at=start,
    )


def assert_money_invariants() -> None:
    assert not GatewayCall.objects.exists()  # no processor call left without its outcome
    for invoice in Invoice.objects.all():
        assert 0 <= invoice.amount_paid <= invoice.total == invoice.subtotal - invoice.credit_applied
    per_period = Invoice.objects.filter(kind="period").values("subscription_id", "period_start").annotate(n=Count("id"))
    assert all(row["n"] == 1 for row in per_period)
    paid = Invoice.objects.aggregate(s=Sum("amount_paid"))["s"] or 0
    charged = Payment.objects.filter(status="succeeded").aggregate(s=Sum("amount"))["s"] or 0
    assert paid == charged


def test_backup_restore_then_billing_continues(tmp_path, capsys):
    tenant = make_tenant()
    make_card(tenant)
    plan = make_plan(unit_amount=700)
    now = system_clock.now()
    renewed_before = _due_subscription(tenant, plan, now - timedelta(hours=2))
    run_pass(as_of=now)
    assert Invoice.objects.filter(subscription=renewed_before).count() == 1
    due_later = _due_subscription(tenant, plan, now + timedelta(days=1))

    target = tmp_path / "prorata.backup"
    assert main(["backup", str(target)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "Backup written" in capsys.readouterr().out

    # Disaster: the tenant and everything it owns is gone.
    Invoice.objects.all().delete()
    Payment.objects.all().delete()
    Subscription.objects.all().delete()
    Tenant.objects.all().delete()
    assert not Invoice.objects.exists()

    assert main(["restore", "--yes", str(target)]) == 0
    assert Tenant.objects.filter(pk=tenant.pk).exists()
    assert Invoice.objects.filter(subscription_id=renewed_before.pk).count() == 1
    assert Payment.objects.filter(status="succeeded").count() == 1
    assert_money_invariants()

    # Billing goes on from the restored state: the second subscription once, the first not again.
    result = run_pass(as_of=now + timedelta(days=1, minutes=1))
    assert result.renewals == 1
    assert Invoice.objects.filter(subscription_id=renewed_before.pk).count() == 1
    assert Invoice.objects.filter(subscription_id=due_later.pk).count() == 1
    assert Payment.objects.filter(status="succeeded").count() == 2
    assert_money_invariants()


def test_restore_refuses_a_file_that_is_no_backup(tmp_path, capsys):
    bogus = tmp_path / "not-a-backup"
    bogus.write_text("hello")
    assert main(["restore", "--yes", str(bogus)]) == 1
    assert "prorata:" in capsys.readouterr().err
    assert main(["restore", "--yes", str(tmp_path / "missing")]) == 1
