"""Assigning and removing licenses. Every check happens under the subscription's row lock."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, NotFound
from prorata.core.transitions import ASSIGNABLE
from prorata.subscriptions.services import subscription_lock
from prorata.tenants.models import TENANT_ROLES, User
from prorata.tenants.selectors import now_for

from .models import License
from .schemas import license_out
from .selectors import assigned_count


def _tenant_user(tenant_id: str, user_id: str) -> User:
    user = User.objects.filter(pk=user_id, tenant_id=tenant_id, role__in=TENANT_ROLES, deleted_at__isnull=True).first()
    if user is None:
        raise NotFound("not_found", object="user", id=user_id)
    return user


def license_assign(*, actor: Actor, subscription_id: str, user_id: str) -> License:
    """Give one seat of the subscription to a user of the same tenant.

    Refused when the subscription cannot hold licenses (`subscription_not_active`), when the user
    already has one (`license_already_assigned`), or when every seat is taken
    (`no_licenses_available`). A user of another tenant is NotFound.
    """
    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        user = _tenant_user(sub.tenant_id, user_id)
        if sub.status not in ASSIGNABLE:
            raise Conflict("subscription_not_active", details={"status": sub.status}, status=sub.status)
        if License.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk, user_id=user.pk).exists():
            raise Conflict("license_already_assigned", details={"user": user.pk})
        count = assigned_count(sub)
        # A change to fewer seats scheduled for the period end holds the seats it will keep: more
        # users assigned now would not fit at the boundary.
        seats = sub.quantity if sub.scheduled_quantity is None else min(sub.quantity, sub.scheduled_quantity)
        if count >= seats:
            details = {"quantity": sub.quantity, "assigned_licenses": count}
            if sub.scheduled_quantity is not None:
                details["scheduled_quantity"] = sub.scheduled_quantity
            raise Conflict("no_licenses_available", quantity=seats, details=details)
        now = now_for(sub.tenant)
        try:
            with transaction.atomic():
                lic = License.objects.create(tenant_id=sub.tenant_id, subscription=sub, user=user, assigned_at=now)
        except IntegrityError:
            raise Conflict("license_already_assigned", details={"user": user.pk}) from None
        audit_record(
            actor=actor, action="license.assigned", object_type="license", object_id=lic.pk,
            tenant_id=sub.tenant_id, at=now, before=None, after=license_out(lic),
            details={"assigned_licenses": count + 1, "quantity": sub.quantity},
        )
    return lic


def license_remove(*, actor: Actor, subscription_id: str, user_id: str) -> None:
    """Take the user's seat of the subscription back (`license_not_found` if they hold none)."""
    with transaction.atomic():
        sub = subscription_lock(actor=actor, subscription_id=subscription_id)
        lic = (
            License.objects.filter(tenant_id=sub.tenant_id, subscription_id=sub.pk, user_id=user_id)
            .select_related("user").first()
        )
        if lic is None:
            raise NotFound("license_not_found", details={"user": user_id})
        now = now_for(sub.tenant)
        before = license_out(lic)
        lic_id = lic.pk
        lic.delete()
        audit_record(
            actor=actor, action="license.removed", object_type="license", object_id=lic_id,
            tenant_id=sub.tenant_id, at=now, before=before,
            details={"reason": "unassigned", "assigned_licenses": assigned_count(sub), "quantity": sub.quantity},
        )
