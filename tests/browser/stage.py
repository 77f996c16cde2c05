"""The organisations the page tests walk through, built with the same services as the API.

A tenant on a test clock: bought on 2026-02-01 11:00 UTC and looked at two days later, so a
cancellation credits 26 of February's 28 days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from factories import make_card, make_clock, make_plan, make_product, make_tenant, make_user, utc
from prorata.core.actor import SYSTEM
from prorata.licenses.services import license_assign
from prorata.subscriptions.services import subscription_purchase
from prorata.tenants.models import TestClock

PASSWORD = "Correct-Horse-Battery-9"
BOUGHT = utc(2026, 2, 1, 11)
LOOKED = BOUGHT + timedelta(days=2)


@dataclass
class Stage:
    tenant: object
    admin: object
    billing_admin: object
    plain_user: object
    big: object = None  # 30 purchased, 25 assigned: blocked online
    small: object = None  # 5 purchased, 2 assigned: can be cancelled online
    users: list = field(default_factory=list)
    clock: object = None


def build_stage(*, language: str = "en", name: str = "Contoso Ltd", email_domain: str = "contoso.test") -> Stage:
    chinese = language == "zh-Hans"
    clock = make_clock(BOUGHT)
    tenant = make_tenant(
        name=name, language=language, test_clock=clock, currency="USD",
        country="CN" if chinese else "US", timezone="Asia/Shanghai" if chinese else "UTC",
    )
    make_card(tenant)
    admin = make_user(tenant, "global_admin", password=PASSWORD, email=f"admin@{email_domain}",
                      display_name="王芳" if chinese else "Megan Bowen")
    billing_admin = make_user(tenant, "billing_admin", password=PASSWORD, email=f"billing@{email_domain}",
                              display_name="李娜" if chinese else "Alex Wilber")
    plain_user = make_user(tenant, "user", password=PASSWORD, email=f"user@{email_domain}",
                           display_name="张伟" if chinese else "Lynne Robbins")
    e3 = make_product(name="Office 365 E3", names={"zh-Hans": "企业办公套件 E3"})
    e1 = make_product(name="Office 365 E1", names={"zh-Hans": "企业办公套件 E1"})
    e3_plan = make_plan(product=e3, unit_amount=2000)
    e1_plan = make_plan(product=e1, unit_amount=1000)
    stage = Stage(tenant=tenant, admin=admin, billing_admin=billing_admin, plain_user=plain_user, clock=clock)
    stage.big = subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=e3_plan.pk, quantity=30)
    stage.small = subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=e1_plan.pk, quantity=5)
    for i in range(25):
        person = make_user(
            tenant, "user", email=f"person{i:02d}@{email_domain}",
            display_name=f"员工{i:02d}" if chinese else f"Person {i:02d}",
        )
        stage.users.append(person)
        license_assign(actor=SYSTEM, subscription_id=stage.big.pk, user_id=person.pk)
    for person in stage.users[:2]:
        license_assign(actor=SYSTEM, subscription_id=stage.small.pk, user_id=person.pk)
    TestClock.objects.filter(pk=clock.pk).update(frozen_time=LOOKED)
    return stage


def build_trial_stage(*, email: str = "trial-admin@fabrikam.test") -> tuple[object, object, object]:
    """A tenant with a 30-day trial and no payment method: nothing to cancel (R1)."""
    clock = make_clock(BOUGHT)
    tenant = make_tenant(name="Fabrikam Inc", test_clock=clock, currency="USD")
    admin = make_user(tenant, "global_admin", password=PASSWORD, email=email, display_name="Diego Siciliani")
    product = make_product(name="Project Plan 3", names={"zh-Hans": "项目计划 3"})
    plan = make_plan(product=product, unit_amount=3000, trial_days=30)
    trial = subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=plan.pk, quantity=10, trial=True)
    return tenant, admin, trial
