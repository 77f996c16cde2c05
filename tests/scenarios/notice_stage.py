"""A stage on which every kind of notice is written once in English and once in Chinese: the
scenario walk, then seats, a license, a call request and an expiring card on the same tenant,
and a trial that expires, is disabled and is about to be deleted on another."""

from __future__ import annotations

from billing_scenario_helpers import OPERATOR, advance, buy, tenant_on_clock
from notification_walk import ZH, Walk, run

from factories import make_plan, make_product, make_user, utc
from prorata.core.actor import Actor
from prorata.notifications.models import Notice
from prorata.notifications.services import notification_settings_update
from prorata.tenants.models import PaymentMethod, User


def every_kind(server) -> Walk:
    from prorata.licenses.services import license_assign
    from prorata.subscriptions.services.quantity import subscription_change_quantity
    from prorata.support.services import (
        callback_request_claim,
        callback_request_create,
        callback_request_resolve,
    )

    walk = Walk()
    run(walk, server)
    tenant = walk.tenant
    notification_settings_update(actor=OPERATOR, tenant_id=tenant.pk, license_notices=True)
    sub = buy(tenant, walk.plan, 1)
    subscription_change_quantity(actor=OPERATOR, subscription_id=sub.pk, quantity=3)
    worker = make_user(tenant, "user", email="li.wei@contoso.test", display_name="李伟", language="zh-Hans")
    license_assign(actor=OPERATOR, subscription_id=sub.pk, user_id=worker.pk)
    colleague = make_user(tenant, "user", email="sam@contoso.test", display_name="Sam")
    license_assign(actor=OPERATOR, subscription_id=sub.pk, user_id=colleague.pk)
    for email in (ZH, "admin@contoso.test"):
        person = User.objects.get(email=email)
        me = Actor(kind="user", id=person.pk, label=person.display_name, tenant_id=tenant.pk, role=person.role)
        request = callback_request_create(actor=me, subscription_id=sub.pk, phone="+14155550100",
                                          language=person.language or "en", preferred_time="9–11")
        callback_request_claim(actor=OPERATOR, request_id=request.pk)
        callback_request_resolve(actor=OPERATOR, request_id=request.pk, outcome="resolved_other")
    PaymentMethod.objects.filter(tenant=tenant, is_default=True).update(exp_month=5, exp_year=2026)
    advance(walk.clock, utc(2026, 5, 3))

    clock, other = tenant_on_clock(utc(2026, 1, 1, 12), card=None, name="Fabrikam", language="zh-Hans")
    make_user(other, "global_admin", email="admin@fabrikam.test", display_name="王管理")
    make_user(other, "billing_admin", email="ap@fabrikam.test", display_name="AP", language="en")
    product = make_product(name="Prorata Desk", names={"zh-Hans": "Prorata 服务台"})
    buy(other, make_plan(product, unit_amount=1500, trial_days=7, grace_days=2, disabled_days=10), 2, trial=True)
    advance(clock, utc(2026, 1, 15))  # expired on the 8th, disabled on the 10th, deleted on the 20th
    advance(clock, utc(2026, 1, 25))
    return walk


def sample_per_kind_and_language() -> dict[tuple[str, str], Notice]:
    """One notice of each (kind, language), the first written."""
    out: dict[tuple[str, str], Notice] = {}
    for notice in Notice.objects.select_related("event__audit_event").order_by("id"):
        out.setdefault((notice.kind, "zh-Hans" if notice.language.startswith("zh") else "en"), notice)
    return out
