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


def _product_locked(product_id: str) -> Product:
    product = Product.objects.select_for_update(no_key=True).filter(pk=product_id).first() if usable_id(product_id) else None
    if product is None:
        raise NotFound("not_found", details={"field": "product"}, object="product", id=product_id)
    return product


def _plan_locked(plan_id: str) -> Plan:
    plan = Plan.objects.select_for_update(no_key=True).filter(pk=plan_id).first() if usable_id(plan_id) else None
    if plan is None:
        raise NotFound("not_found", details={"field": "plan"}, object="plan", id=plan_id)
    return plan


def product_update(*, actor: Actor, product_id: str, name: str, names: dict[str, str] | None = None) -> Product:
    """A product's names. Its code stays: invoices and keys of the vendor's app refer to it."""
    require_operator(actor)
    name = v.clean_name(name)
    names = v.clean_names(names)
    now = system_clock.now()
    with transaction.atomic():
        product = _product_locked(product_id)
        before = {"name": product.name, "names": dict(product.names or {})}
        if before == {"name": name, "names": names}:
            return product
        product.name, product.names = name, names
        product.save(update_fields=["name", "names"])
        audit_record(
            actor=actor, action="product.updated", object_type="product", object_id=product.pk,
            tenant_id=None, at=now, before=before, after={"name": name, "names": names},
        )
    return product


PLAN_EDITABLE = ("name", "unit_amount", "trial_days", *v.POLICY_DEFAULTS)


def _plan_values(plan: Plan) -> dict[str, Any]:
    return {field: getattr(plan, field) for field in PLAN_EDITABLE}


def plan_update(
    *,
    actor: Actor,
    plan_id: str,
    name: str,
    unit_amount: int,
    trial_days: int,
    policy: dict[str, Any] | None = None,
) -> Plan:
    """A plan's name, price, trial and policy.

    The price is what the next period of each subscription is billed at (renewals read the
    plan); a period already invoiced keeps the price its invoice charged, and so do seats added
    within it (they are prorated at the period's invoice price). Currency, interval and product
    stay: a subscription's periods and invoices are counted in them.
    """
    require_operator(actor)
    name = v.clean_name(name)
    unit_amount = v.clean_amount(unit_amount)
    trial = v.clean_trial_days(trial_days)
    clean_policy = v.clean_policy(policy)
    clean_policy.pop("trial_days", None)
    now = system_clock.now()
    with transaction.atomic():
        plan = _plan_locked(plan_id)
        before = _plan_values(plan)
        after = {"name": name, "unit_amount": unit_amount, "trial_days": trial, **clean_policy}
        if before == after:
            return plan
        for field, value in after.items():
            setattr(plan, field, value)
        plan.save(update_fields=list(after))
        audit_record(
            actor=actor, action="plan.updated", object_type="plan", object_id=plan.pk, tenant_id=None, at=now,
            before={k: before[k] for k in after if before[k] != after[k]},
            after={k: after[k] for k in after if before[k] != after[k]},
        )
    return plan


def plan_set_active(*, actor: Actor, plan_id: str, active: bool) -> Plan:
    """Archive a plan (no new purchase or change to it; its subscriptions renew as before), or
    bring it back."""
    require_operator(actor)
    now = system_clock.now()
    with transaction.atomic():
        plan = _plan_locked(plan_id)
        if plan.is_active == bool(active):
            return plan
        plan.is_active = bool(active)
        plan.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action="plan.restored" if active else "plan.archived", object_type="plan",
            object_id=plan.pk, tenant_id=None, at=now, before={"is_active": not active}, after={"is_active": bool(active)},
        )
    return plan
