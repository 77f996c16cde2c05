import pytest
from billing_scenario_helpers import OPERATOR, advance, buy, make_plan, tenant_on_clock
from factories import make_card, make_user, utc
from prorata.notifications.delivery import send_due
from prorata.subscriptions.services import subscription_cancel
from prorata.tenants.models import PaymentMethod

pytestmark = pytest.mark.django_db


def test_probe(smtp_server):
    clock, tenant = tenant_on_clock(utc(2026, 1, 1, 12))
    make_user(tenant, "global_admin", email="ga@example.test")
    make_user(tenant, "billing_admin", email="ba@example.test", language="zh-Hans")
    plan = make_plan(unit_amount=2000, trial_days=14)
    sub = buy(tenant, plan, 2, trial=True)
    good = PaymentMethod.objects.get(tenant=tenant)
    def step(to):
        advance(clock, to)
        send_due()
        for rcpt, m in smtp_server.take():
            print(to.date(), rcpt, m["Subject"], [p.get_filename() for p in m.iter_attachments()])
    step(utc(2026, 1, 9))
    step(utc(2026, 1, 16))
    step(utc(2026, 2, 16))
    PaymentMethod.objects.filter(tenant=tenant).update(is_default=False)
    bad = make_card(tenant, "4000000000000341", default=True)
    step(utc(2026, 3, 15, 13))
    step(utc(2026, 3, 16, 13))
    bad.is_default = False; bad.save()
    PaymentMethod.objects.filter(pk=good.pk).update(is_default=True)
    step(utc(2026, 3, 18, 13))
    step(utc(2026, 3, 25, 12))
    subscription_cancel(actor=OPERATOR, subscription_id=sub.pk)
    send_due()
    for rcpt, m in smtp_server.take():
        print("cancel", rcpt, m["Subject"])
    step(utc(2026, 4, 16))
    from prorata.notifications.models import Notice
    print(list(Notice.objects.values_list("kind", "status", "last_error")))
