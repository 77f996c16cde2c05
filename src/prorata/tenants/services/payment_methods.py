"""Cards on file, through the sandbox gateway. Exactly one default while any card exists.

Every change locks the tenant row first, so two concurrent changes of the default serialise.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.errors import InvalidInput, NotFound
from prorata.pagination import usable_id
from prorata.payments import sandbox as gateway

from ..models import PaymentMethod, Tenant
from ..selectors import now_for
from .access import BILLING_ADMINS, require_tenant_role

# Cards expire within a few years; anything further out is a typing mistake.
MAX_YEARS_AHEAD = 50


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _card_view(pm: PaymentMethod) -> dict[str, Any]:
    return {"brand": pm.brand, "last4": pm.last4, "exp_month": pm.exp_month, "exp_year": pm.exp_year,
            "is_default": pm.is_default}


def _lock_tenant(tenant: Tenant) -> Tenant:
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


def _get_locked(tenant: Tenant, payment_method_id: str) -> PaymentMethod:
    pm = (
        PaymentMethod.objects.select_for_update().filter(tenant_id=tenant.pk, pk=payment_method_id).first()
        if usable_id(payment_method_id) else None
    )
    if pm is None:
        raise NotFound("not_found", object="payment_method", id=payment_method_id)
    return pm


def payment_method_add(
    *, actor: Actor, tenant: Tenant, card_number: str, exp_month: int, exp_year: int, cvc: str
) -> PaymentMethod:
    """Add a card; the first card (or any card while there is no default) becomes the default."""
    require_tenant_role(actor, tenant, BILLING_ADMINS)
    if not isinstance(card_number, str):
        raise InvalidInput("invalid_card_number", details={"field": "card_number"}, field="card_number")
    if not _is_int(exp_month):
        raise InvalidInput("invalid_expiry", details={"field": "exp_month"}, field="exp_month")
    if not _is_int(exp_year):
        raise InvalidInput("invalid_expiry", details={"field": "exp_year"}, field="exp_year")
    if not isinstance(cvc, str):
        raise InvalidInput("invalid_cvc", details={"field": "cvc"}, field="cvc")
    with transaction.atomic():
        tenant = _lock_tenant(tenant)
        now = now_for(tenant)
        if 0 <= exp_year < 100:
            exp_year += 2000  # "28" means 2028, as printed on the card.
        if not 0 < exp_year <= now.year + MAX_YEARS_AHEAD:
            raise InvalidInput("invalid_expiry", details={"field": "exp_year"}, field="exp_year")
        card = gateway.add_card(card_number, exp_month, exp_year, cvc, year=now.year, month=now.month)
        has_default = PaymentMethod.objects.filter(tenant_id=tenant.pk, is_default=True).exists()
        pm = PaymentMethod.objects.create(
            tenant=tenant, brand=card.brand, last4=card.last4, exp_month=exp_month, exp_year=exp_year,
            gateway_token=card.token, is_default=not has_default, created_at=now,
        )
        audit_record(
            actor=actor, action="payment_method.added", object_type="payment_method", object_id=pm.pk,
            tenant_id=tenant.pk, at=now, after=_card_view(pm),
        )
    return pm


def payment_method_remove(*, actor: Actor, tenant: Tenant, payment_method_id: str) -> PaymentMethod | None:
    """Remove a card. If it was the default, the oldest remaining card becomes the default.

    Returns the new default when one was promoted.
    """
    require_tenant_role(actor, tenant, BILLING_ADMINS)
    with transaction.atomic():
        tenant = _lock_tenant(tenant)
        pm = _get_locked(tenant, payment_method_id)
        now = now_for(tenant)
        was_default, pm_id, before = pm.is_default, pm.pk, _card_view(pm)
        pm.delete()
        audit_record(
            actor=actor, action="payment_method.removed", object_type="payment_method", object_id=pm_id,
            tenant_id=tenant.pk, at=now, before=before, after=None,
        )
        promoted = None
        if was_default:
            promoted = PaymentMethod.objects.filter(tenant_id=tenant.pk).order_by("created_at", "id").first()
            if promoted is not None:
                promoted.is_default = True
                promoted.save(update_fields=["is_default"])
                audit_record(
                    actor=actor, action="payment_method.default_set", object_type="payment_method",
                    object_id=promoted.pk, tenant_id=tenant.pk, at=now,
                    before={"default": pm_id}, after={"default": promoted.pk},
                )
    return promoted


def payment_method_set_default(*, actor: Actor, tenant: Tenant, payment_method_id: str) -> PaymentMethod:
    """Make a card the tenant's default; the previous default stops being one."""
    require_tenant_role(actor, tenant, BILLING_ADMINS)
    with transaction.atomic():
        tenant = _lock_tenant(tenant)
        pm = _get_locked(tenant, payment_method_id)
        if pm.is_default:
            return pm
        now = now_for(tenant)
        previous = PaymentMethod.objects.filter(tenant_id=tenant.pk, is_default=True).values_list("pk", flat=True).first()
        # Clear first: the database allows one default per tenant at every moment.
        PaymentMethod.objects.filter(tenant_id=tenant.pk, is_default=True).update(is_default=False)
        pm.is_default = True
        pm.save(update_fields=["is_default"])
        audit_record(
            actor=actor, action="payment_method.default_set", object_type="payment_method", object_id=pm.pk,
            tenant_id=tenant.pk, at=now, before={"default": previous}, after={"default": pm.pk},
        )
    return pm
