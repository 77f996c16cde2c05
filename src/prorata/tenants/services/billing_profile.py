"""The billing profile: the legal name, address and tax id printed on a tenant's invoices."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor

from ..domain import validation as v
from ..models import BillingProfile, Tenant
from ..selectors import billing_profile_view, now_for, tenant_get
from .access import BILLING_ADMINS, require_tenant_role


def billing_profile_update(*, actor: Actor, tenant_id: str, **values: Any) -> BillingProfile:
    """Replace the tenant's billing profile with `values` (PROFILE_FIELDS). Global and billing
    admins of the tenant, and operators. Invalid input changes nothing."""
    tenant = tenant_get(actor=actor, tenant_id=tenant_id)
    require_tenant_role(actor, tenant, BILLING_ADMINS)
    clean = v.clean_billing_profile(values)
    with transaction.atomic():
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
        profile = BillingProfile.objects.filter(tenant_id=tenant.pk).first()
        before = billing_profile_view(profile)
        now = now_for(tenant)
        if profile is None:
            profile = BillingProfile(tenant_id=tenant.pk)
        for name, value in clean.items():
            setattr(profile, name, value)
        profile.updated_at = now
        profile.save()
        audit_record(actor=actor, action="billing_profile.updated", object_type="tenant", object_id=tenant.pk,
                     tenant_id=tenant.pk, at=now, before=before, after=billing_profile_view(profile))
    return profile
