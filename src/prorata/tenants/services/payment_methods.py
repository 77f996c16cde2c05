"""Cards on file. Exactly one default while any card exists.

With the sandbox gateway a card is typed in (its number goes to the sandbox, which keeps only a
token); with Stripe the card is collected by Stripe and arrives as a PaymentMethod id, attached
to the tenant's Stripe Customer — a raw card number is refused (`card_entry_not_available`).

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
from prorata.payments.gateway import get_gateway, outside_transaction

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
    return Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)


def _get_locked(tenant: Tenant, payment_method_id: str) -> PaymentMethod:
    pm = (
        PaymentMethod.objects.select_for_update(no_key=True).filter(tenant_id=tenant.pk, pk=payment_method_id).first()
        if usable_id(payment_method_id) else None
    )
    if pm is None:
        raise NotFound("not_found", object="payment_method", id=payment_method_id)
    return pm


def uses_stripe() -> bool:
    return get_gateway().name == "stripe"


def payment_method_setup(*, actor: Actor, tenant: Tenant) -> str:
    """Stripe: a SetupIntent's client secret, for the browser to confirm with the card."""
    require_tenant_role(actor, tenant, BILLING_ADMINS)
    if not uses_stripe():
        raise InvalidInput("stripe_not_configured")
    from prorata.payments import stripe_gateway

    return stripe_gateway.setup_intent_create(tenant.pk, name=tenant.name)


def payment_method_add(
    *, actor: Actor, tenant: Tenant, card_number: str | None = None, exp_month: int | None = None,
    exp_year: int | None = None, cvc: str | None = None, stripe_payment_method: str | None = None,
) -> PaymentMethod:
    """Add a card; the first card (or any card while there is no default) becomes the default.

    Sandbox: `card_number`, `exp_month`, `exp_year`, `cvc`. Stripe: `stripe_payment_method`."""
    require_tenant_role(actor, tenant, BILLING_ADMINS)
    if uses_stripe():
        if card_number is not None:
            raise InvalidInput("card_entry_not_available", details={"field": "card_number"}, field="card_number")
        if stripe_payment_method is None:
            raise InvalidInput("invalid_payment_method", details={"field": "stripe_payment_method"},
                               field="stripe_payment_method")
        return _add_stripe(actor, tenant, stripe_payment_method)
    if stripe_payment_method is not None:
        raise InvalidInput("stripe_not_configured", details={"field": "stripe_payment_method"})
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


def _add_stripe(actor: Actor, tenant: Tenant, payment_method: str) -> PaymentMethod:
    from prorata.payments import stripe_gateway

    # Stripe is asked first, outside any transaction (its customer is stored at once); the card
    # is then recorded here. Adding the same card twice records it once.
    outside_transaction()
    card = stripe_gateway.payment_method_attach(tenant.pk, payment_method, name=tenant.name)
    with transaction.atomic():
        tenant = _lock_tenant(tenant)
        existing = PaymentMethod.objects.filter(tenant_id=tenant.pk, gateway_token=card.token).first()
        if existing is not None:
            return existing
        if PaymentMethod.objects.filter(gateway_token=card.token).exists():
            raise InvalidInput("invalid_payment_method", details={"field": "stripe_payment_method"},
                               field="stripe_payment_method")
        now = now_for(tenant)
        has_default = PaymentMethod.objects.filter(tenant_id=tenant.pk, is_default=True).exists()
        pm = PaymentMethod.objects.create(
            tenant=tenant, brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year,
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
        was_default, pm_id, before, token = pm.is_default, pm.pk, _card_view(pm), pm.gateway_token
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
    if uses_stripe() and token.startswith("pm_"):
        from prorata.payments import stripe_gateway

        stripe_gateway.payment_method_detach(token)
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
