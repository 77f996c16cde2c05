"""Rows for tests, written straight through the ORM (no audit, no validation).

Use these to set the stage; exercise services and the API for the behaviour under test.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from prorata.catalog.models import Plan, Product
from prorata.payments.sandbox import tokenize_for_tests
from prorata.tenants.models import ApiKey, PaymentMethod, Tenant, TestClock, User

_seq = itertools.count(1)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def make_product(**kw: Any) -> Product:
    n = next(_seq)
    defaults = {"code": f"product-{n}", "name": f"Product {n}", "names": {"zh-Hans": f"产品 {n}"}, "created_at": EPOCH}
    return Product.objects.create(**{**defaults, **kw})


def make_plan(product: Product | None = None, **kw: Any) -> Plan:
    n = next(_seq)
    defaults = {
        "product": product or make_product(),
        "code": f"plan-{n}",
        "name": f"Plan {n}",
        "currency": "USD",
        "unit_amount": 2000,
        "interval": "month",
        "trial_days": 0,
        "created_at": EPOCH,
    }
    return Plan.objects.create(**{**defaults, **kw})


def make_clock(at: datetime = EPOCH, **kw: Any) -> TestClock:
    return TestClock.objects.create(frozen_time=at, created_at=at, **kw)


def make_tenant(**kw: Any) -> Tenant:
    n = next(_seq)
    defaults = {
        "name": f"Tenant {n}",
        "country": "US",
        "language": "en",
        "currency": "USD",
        "timezone": "UTC",
        "created_at": EPOCH,
    }
    return Tenant.objects.create(**{**defaults, **kw})


def make_user(tenant: Tenant | None, role: str = "user", password: str | None = None, **kw: Any) -> User:
    n = next(_seq)
    user = User(
        tenant=tenant,
        email=kw.pop("email", f"user{n}@example.test"),
        display_name=kw.pop("display_name", f"User {n}"),
        role=role,
        created_at=EPOCH,
        is_staff=role == "operator",
        **kw,
    )
    user.set_password(password)
    user.save()
    return user


def make_api_key(tenant: Tenant | None = None) -> tuple[ApiKey, str]:
    """An operator key (tenant=None) or a tenant key; returns the row and its secret."""
    import secrets

    from prorata.tenants.keys import hash_secret

    secret = f"prk_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        kind="tenant" if tenant else "operator",
        tenant=tenant,
        prefix=secret[:16],
        secret_hash=hash_secret(secret),
        created_at=EPOCH,
    )
    return key, secret


def make_card(tenant: Tenant, number: str = "4242424242424242", default: bool | None = None) -> PaymentMethod:
    brand, last4, token = tokenize_for_tests(number)
    if default is None:
        default = not PaymentMethod.objects.filter(tenant=tenant, is_default=True).exists()
    return PaymentMethod.objects.create(
        tenant=tenant, brand=brand, last4=last4, exp_month=12, exp_year=2035,
        gateway_token=token, is_default=default, created_at=EPOCH,
    )
