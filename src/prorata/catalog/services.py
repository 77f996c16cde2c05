"""Catalog writes: products and plans. Operators only (operator keys, operator users, the system).

The catalog belongs to no tenant, so its times are system time.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.clock import system_clock
from prorata.core.errors import Conflict, Forbidden, NotFound
from prorata.core.money import validate_currency
from prorata.pagination import usable_id

from .domain import validation as v
from .models import Plan, Product


def require_operator(actor: Actor) -> None:
    if not (actor.is_operator or actor.kind == "system"):
        raise Forbidden("forbidden")


def product_create(*, actor: Actor, code: str, name: str, names: dict[str, str] | None = None) -> Product:
    require_operator(actor)
    code = v.clean_code(code)
    name = v.clean_name(name)
    names = v.clean_names(names)
    now = system_clock.now()
    with transaction.atomic():
        if Product.objects.filter(code=code).exists():
            raise Conflict("code_taken", details={"field": "code"}, value=code)
        try:
            with transaction.atomic():
                product = Product.objects.create(code=code, name=name, names=names, created_at=now)
        except IntegrityError:
            # A concurrent create took the code between the check and the insert.
            raise Conflict("code_taken", details={"field": "code"}, value=code) from None
        audit_record(
            actor=actor, action="product.created", object_type="product", object_id=product.pk,
            tenant_id=None, at=now, after={"code": code, "name": name, "names": names},
        )
    return product


def plan_create(
    *,
    actor: Actor,
    product_id: str,
    code: str,
    name: str,
    currency: str,
    unit_amount: int,
    interval: str,
    trial_days: int | None = 0,
    policy: dict[str, Any] | None = None,
) -> Plan:
    """A price for a product: `unit_amount` minor units of `currency` per license per `interval`."""
    require_operator(actor)
    code = v.clean_code(code)
    name = v.clean_name(name)
    currency = validate_currency(currency)
    unit_amount = v.clean_amount(unit_amount)
    interval = v.clean_interval(interval)
    clean_policy = v.clean_policy(policy)
    trial = v.resolve_trial_days(trial_days, clean_policy)
    now = system_clock.now()
    with transaction.atomic():
        product = Product.objects.filter(pk=product_id).first() if usable_id(product_id) else None
        if product is None:
            raise NotFound("not_found", details={"field": "product"}, object="product", id=product_id)
        if Plan.objects.filter(code=code).exists():
            raise Conflict("code_taken", details={"field": "code"}, value=code)
        try:
            with transaction.atomic():
                plan = Plan.objects.create(
                    product=product, code=code, name=name, currency=currency, unit_amount=unit_amount,
                    interval=interval, trial_days=trial, created_at=now, **clean_policy,
                )
        except IntegrityError:
            raise Conflict("code_taken", details={"field": "code"}, value=code) from None
        audit_record(
            actor=actor, action="plan.created", object_type="plan", object_id=plan.pk, tenant_id=None, at=now,
            after={
                "product": product.pk, "code": code, "name": name, "currency": currency,
                "unit_amount": unit_amount, "interval": interval, "trial_days": trial, **clean_policy,
            },
        )
    return plan
