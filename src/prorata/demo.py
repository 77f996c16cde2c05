"""The demo seed: a catalog, a customer on a test clock with a few months of bills, and staff.

Everything goes through the same services as the API and the admin center, so the demo's
invoices, licenses and audit log are what a real install would hold. It runs only on a database
without any tenant, so running it twice changes nothing.

What it builds (SPEC §2 in practice):

- "Prorata Suite E3" (USD 20.00 and CNY 150.00 a license a month) and "Prorata Business Basic"
  (USD 6.00), default policy: online cancellation up to 24 assigned licenses.
- Contoso Ltd (Los Angeles, English) on a test clock: a global admin and a billing admin who can
  sign in, and 32 more users; Suite E3 with 30 of 35 licenses assigned (cancelling is blocked:
  *Let us call you* is open for it), Business Basic with 4 of 10 (can be cancelled online);
  both bought on 2026-05-04 and renewed three times as the clock moved month by month.
- Northwind Traders (Shanghai, Simplified Chinese) on the same clock: a 30-day trial of Suite E3
  and no payment method, so cancelling it is "nothing to cancel".
- A support engineer and an operator (vendor staff, no tenant).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

DEMO_PASSWORD = "prorata-demo-2026"
CLOCK_START = datetime(2026, 5, 4, 16, 0, tzinfo=UTC)  # 09:00 in Los Angeles
RENEWALS = (
    datetime(2026, 6, 4, 16, 0, tzinfo=UTC),
    datetime(2026, 7, 4, 16, 0, tzinfo=UTC),
    datetime(2026, 8, 4, 16, 0, tzinfo=UTC),
)
CLOCK_END = datetime(2026, 8, 12, 16, 0, tzinfo=UTC)

CONTOSO_ADMIN = "megan@contoso.example"
CONTOSO_BILLING = "adele@contoso.example"
NORTHWIND_ADMIN = "li.na@northwind.example"
SUPPORT_ENGINEER = "support@prorata.example"
OPERATOR = "operator@prorata.example"

# Contoso's people beside its two admins: 32 members, 30 of whom hold a Suite E3 license.
MEMBER_NAMES = (
    "Alex Wilber", "Allan Deyoung", "Bianca Pisani", "Brian Johnson", "Cameron White", "Christie Cline",
    "Debra Berger", "Diego Siciliani", "Emily Braun", "Enrico Cattaneo", "Gerhart Moller", "Grady Archie",
    "Henrietta Mueller", "Irvin Sayers", "Isaiah Langer", "Johanna Lorenz", "Joni Sherman", "Jordan Miller",
    "Lee Gu", "Lidia Holloway", "Lynne Robbins", "Mallory Cortez", "Miriam Graham", "Nestor Wilke",
    "Patti Fernandez", "Pradeep Gupta", "Raul Razo", "Sam Ruiz", "Sanjay Shah", "Tiffany Vance",
    "Vanessa Lee", "Zrinka Makovac",
)


@dataclass
class DemoSeed:
    """What the seed made, for printing and for tests."""

    clock_id: str = ""
    contoso_id: str = ""
    northwind_id: str = ""
    subscriptions: dict[str, str] = field(default_factory=dict)
    invoices: int = 0


def seed_actor():  # type: ignore[no-untyped-def]
    from prorata.core.actor import Actor

    return Actor(kind="system", id="demo", label="Prorata demo seed", is_operator=True, role="operator")


def is_empty() -> bool:
    from prorata.tenants.models import Tenant

    return not Tenant.objects.exists()


def seed_if_empty() -> DemoSeed | None:
    """Seed the demo when the database has no tenant; None when it already had one."""
    if not is_empty():
        return None
    return seed()


def seed() -> DemoSeed:
    from prorata.catalog.services import plan_create, product_create
    from prorata.tenants.services import test_clock_advance, test_clock_create

    actor = seed_actor()
    out = DemoSeed()

    e3 = product_create(actor=actor, code="prorata-suite-e3", name="Prorata Suite E3", names={"zh-Hans": "Prorata 套件 E3"})
    basic = product_create(
        actor=actor, code="prorata-business-basic", name="Prorata Business Basic", names={"zh-Hans": "Prorata 商业基础版"}
    )
    e3_usd = plan_create(
        actor=actor, product_id=e3.pk, code="suite-e3-monthly", name="Prorata Suite E3 (monthly)",
        currency="USD", unit_amount=2000, interval="month", trial_days=30,
    )
    e3_cny = plan_create(
        actor=actor, product_id=e3.pk, code="suite-e3-monthly-cny", name="Prorata Suite E3 (monthly, CNY)",
        currency="CNY", unit_amount=15000, interval="month", trial_days=30,
    )
    basic_usd = plan_create(
        actor=actor, product_id=basic.pk, code="business-basic-monthly", name="Prorata Business Basic (monthly)",
        currency="USD", unit_amount=600, interval="month", trial_days=0,
    )

    clock = test_clock_create(actor=actor, frozen_time=CLOCK_START, name="Demo clock")
    out.clock_id = clock.pk
    contoso = _seed_contoso(actor, clock.pk, e3_usd.pk, basic_usd.pk, out)

    # A few months of bills: every renewal is done by the billing engine as the clock moves.
    for at in (*RENEWALS, CLOCK_END):
        test_clock_advance(actor=actor, clock_id=clock.pk, to=at)

    _seed_callback(contoso, out)
    out.northwind_id = _seed_northwind(actor, clock.pk, e3_cny.pk, out)
    _staff_create(actor, SUPPORT_ENGINEER, "Sara Davis", "support_engineer")
    _staff_create(actor, OPERATOR, "Olu Operator", "operator")

    from prorata.billing.models import Invoice

    out.invoices = Invoice.objects.filter(tenant_id__in=[out.contoso_id, out.northwind_id]).count()
    return out


def _seed_contoso(actor, clock_id: str, e3_plan: str, basic_plan: str, out: DemoSeed):  # type: ignore[no-untyped-def]
    from prorata.licenses.services import license_assign
    from prorata.subscriptions.services import subscription_purchase
    from prorata.tenants.services import payment_method_add, tenant_create, user_create

    tenant = tenant_create(
        actor=actor, name="Contoso Ltd", country="US", language="en", currency="USD",
        timezone="America/Los_Angeles", test_clock_id=clock_id,
    )
    out.contoso_id = tenant.pk
    admin = user_create(
        actor=actor, tenant=tenant, email=CONTOSO_ADMIN, display_name="Megan Bowen", role="global_admin", password=DEMO_PASSWORD
    )
    billing = user_create(
        actor=actor, tenant=tenant, email=CONTOSO_BILLING, display_name="Adele Vance", role="billing_admin", password=DEMO_PASSWORD
    )
    members = [
        user_create(
            actor=actor, tenant=tenant, email=f"{name.lower().replace(' ', '.')}@contoso.example",
            display_name=name, role="user",
        )
        for name in MEMBER_NAMES
    ]
    payment_method_add(actor=actor, tenant=tenant, card_number="4242424242424242", exp_month=12, exp_year=2030, cvc="123")

    e3 = subscription_purchase(actor=actor, tenant_id=tenant.pk, plan_id=e3_plan, quantity=35)
    basic = subscription_purchase(actor=actor, tenant_id=tenant.pk, plan_id=basic_plan, quantity=10)
    out.subscriptions.update({"contoso_e3": e3.pk, "contoso_basic": basic.pk})
    # Suite E3: both admins and 28 members, 30 in all — more than 24, so cancelling online is blocked.
    for user in [admin, billing, *members[:28]]:
        license_assign(actor=actor, subscription_id=e3.pk, user_id=user.pk)
    # Business Basic: 4 of 10, so it can be cancelled online.
    for user in members[28:]:
        license_assign(actor=actor, subscription_id=basic.pk, user_id=user.pk)
    return tenant


def _seed_callback(contoso, out: DemoSeed) -> None:  # type: ignore[no-untyped-def]
    """Megan asked to be called about Suite E3, as R5 offers when cancelling is blocked."""
    from prorata.core.actor import Actor
    from prorata.support.services import callback_request_create
    from prorata.tenants.models import User

    admin = User.objects.get(email=CONTOSO_ADMIN)
    as_admin = Actor(kind="user", id=admin.pk, label=admin.display_name, tenant_id=contoso.pk, role="global_admin")
    callback_request_create(
        actor=as_admin, subscription_id=out.subscriptions["contoso_e3"], phone="+1 206 555 0142", language="en",
        preferred_time="Weekdays 9-11 am Pacific", note="We want to cancel Suite E3; 30 people still use it.",
    )


def _seed_northwind(actor, clock_id: str, plan_id: str, out: DemoSeed) -> str:  # type: ignore[no-untyped-def]
    from prorata.subscriptions.services import subscription_purchase
    from prorata.tenants.services import tenant_create, user_create

    tenant = tenant_create(
        actor=actor, name="Northwind Traders 上海", country="CN", language="zh-Hans", currency="CNY",
        timezone="Asia/Shanghai", test_clock_id=clock_id,
    )
    admin = user_create(
        actor=actor, tenant=tenant, email=NORTHWIND_ADMIN, display_name="李娜", role="global_admin", password=DEMO_PASSWORD
    )
    for n, name in enumerate(("王伟", "张敏", "刘洋"), start=1):
        user_create(actor=actor, tenant=tenant, email=f"user{n}@northwind.example", display_name=name, role="user")
    # No payment method: the trial cannot be cancelled (R1) and expires by itself (R2).
    trial = subscription_purchase(actor=actor, tenant_id=tenant.pk, plan_id=plan_id, quantity=5, trial=True)
    from prorata.licenses.services import license_assign

    license_assign(actor=actor, subscription_id=trial.pk, user_id=admin.pk)
    out.subscriptions["northwind_trial"] = trial.pk
    return tenant.pk


def _staff_create(actor, email: str, display_name: str, role: str) -> None:  # type: ignore[no-untyped-def]
    """Vendor staff (no tenant). No service writes staff yet: the back office and this seed do."""
    from django.db import transaction

    from prorata.audit.services import audit_record
    from prorata.core.clock import system_clock
    from prorata.tenants.models import User

    now = system_clock.now()
    with transaction.atomic():
        user = User.objects.create_user(
            email, DEMO_PASSWORD, display_name=display_name, role=role, tenant=None,
            is_staff=role == "operator", is_superuser=role == "operator", created_at=now,
        )
        audit_record(
            actor=actor, action="user.created", object_type="user", object_id=user.pk, tenant_id=None, at=now,
            after={"email": email, "display_name": display_name, "role": role},
        )


def sign_in_lines(seeded: DemoSeed | None = None) -> list[str]:
    """The demo sign-ins, when the demo people exist (the password may have been changed since)."""
    from prorata.tenants.models import User

    people = [
        (CONTOSO_ADMIN, "Contoso Ltd, global admin (admin center)"),
        (CONTOSO_BILLING, "Contoso Ltd, billing admin"),
        (NORTHWIND_ADMIN, "Northwind Traders, global admin, 简体中文 (trial)"),
        (SUPPORT_ENGINEER, "support engineer (support console)"),
        (OPERATOR, "operator (back office at /backoffice/)"),
    ]
    present = set(User.objects.filter(email__in=[e for e, _ in people]).values_list("email", flat=True))
    if not present:
        return ["No demo sign-ins: this database was not seeded with the demo."]
    lines = [
        f"Demo sign-ins (password for all: {DEMO_PASSWORD}){'' if seeded else ', unless changed since'}:",
    ]
    width = max(len(e) for e, _ in people)
    lines += [f"  {email.ljust(width)}  {what}" for email, what in people if email in present]
    return lines
