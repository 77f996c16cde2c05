"""Assigning and removing licenses. Every check happens under the subscription's row lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction

from prorata.audit.services import audit_record
from prorata.core.actor import SYSTEM, Actor
from prorata.core.clock import system_clock
from prorata.core.errors import Conflict, NotFound
from prorata.core.transitions import ASSIGNABLE
from prorata.subscriptions.services import subscription_lock
from prorata.tenants.models import TENANT_ROLES, User
from prorata.tenants.selectors import now_for

from .models import License, SigningKey
from .schemas import license_out
from .selectors import assigned_count, license_check


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


# -- signed license tokens (prorata.licenses.tokens) ------------------------------------------


def _signing_key() -> tuple[str, object]:
    """The key that signs now, from memory or the database; the first one is made on first use."""
    from . import tokens

    cached = tokens.cached_current()
    if cached is not None:
        return cached
    key = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-kid").first()
    if key is None:
        with transaction.atomic():
            # Two processes making the first key at once both publish theirs: either verifies.
            key = SigningKey.objects.select_for_update().filter(retired_at__isnull=True).order_by("-created_at").first()
            if key is None:
                key = _new_signing_key(actor=SYSTEM, at=system_clock.now())
    return key.kid, tokens.remember_current(key.kid, key.private_key)


def _new_signing_key(*, actor: Actor, at: datetime) -> SigningKey:
    from . import tokens

    kid, pem, jwk = tokens.new_key_material()
    key = SigningKey.objects.create(kid=kid, private_key=pem, public_jwk=jwk, created_at=at)
    audit_record(actor=actor, action="license_signing_key.created", object_type="license_signing_key",
                 object_id=kid, tenant_id=None, at=at, after={"kid": kid, "alg": tokens.ALGORITHM})
    return key


class IssuedToken(NamedTuple):
    token: str
    claims: dict[str, Any]
    kid: str


def license_token_issue(*, actor: Actor, tenant_id: str, user_id: str, product_id: str) -> IssuedToken:
    """A signed token stating whether the user is licensed for the product now.

    The same answer as the license check (one statement), signed with the current key; it
    stays true for the vendor's app until `exp` (PRORATA_LICENSE_TOKEN_TTL seconds).
    """
    from . import tokens

    licensed, sub = license_check(actor=actor, tenant_id=tenant_id, user_id=user_id, product_id=product_id)
    kid, private_key = _signing_key()
    # Wall-clock time: the vendor's app compares `exp` with its own clock, not a test clock.
    claims = tokens.claims_for(tenant_id=tenant_id, user_id=user_id, product_id=product_id, licensed=licensed,
                               subscription=sub, at=system_clock.now())
    return IssuedToken(tokens.sign(claims, kid=kid, private_key=private_key), claims, kid)


def signing_key_rotate(*, actor: Actor) -> SigningKey:
    """Retire the signing key(s) in use and make a new one that signs from now on. Retired keys
    stay published until the tokens they signed have expired. Operators only; audited."""
    from prorata.tenants.services.access import require_operator

    from . import tokens

    require_operator(actor)
    now = system_clock.now()
    with transaction.atomic():
        for old in SigningKey.objects.select_for_update().filter(retired_at__isnull=True):
            old.retired_at = now
            old.save(update_fields=["retired_at"])
            audit_record(actor=actor, action="license_signing_key.retired", object_type="license_signing_key",
                         object_id=old.kid, tenant_id=None, at=now, before={"retired_at": None},
                         after={"retired_at": now.isoformat().replace("+00:00", "Z")})
        key = _new_signing_key(actor=actor, at=now)
    tokens.forget_current()
    return key
