"""A tenant's people: add, remove (which frees their licenses), password, language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from prorata.pagination import usable_id

from ..domain import validation as v
from ..models import Role, Tenant, User
from ..selectors import now_for
from .access import USER_ADMINS, require_tenant_role


def _clean_email(value: Any) -> str:
    email = (value.strip().lower() if isinstance(value, str) else "")
    try:
        if not email or len(email) > v.EMAIL_MAX or "\x00" in email:
            raise DjangoValidationError("invalid")
        validate_email(email)
    except DjangoValidationError:
        raise InvalidInput("invalid_email", details={"field": "email"}, value=value) from None
    return email


def _clean_password(password: Any, user: User | None = None) -> str:
    if not isinstance(password, str) or "\x00" in password or len(password) > v.PASSWORD_MAX:
        raise InvalidInput("invalid_password", details={"field": "password"}, reason="")
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        reasons = [str(m) for m in exc.messages]
        raise InvalidInput("invalid_password", details={"field": "password", "reasons": reasons},
                           reason=" ".join(reasons)) from None
    return password


def _email_taken(email: str) -> Conflict:
    return Conflict("email_taken", details={"field": "email"}, email=email)


def user_create(
    *, actor: Actor, tenant: Tenant, email: str, display_name: str, role: str, password: str | None = None
) -> User:
    """A member of `tenant`. Without a password the user cannot sign in until one is set."""
    require_tenant_role(actor, tenant, USER_ADMINS)
    email = _clean_email(email)
    display_name = v.clean_name(display_name, "display_name", "invalid_display_name")
    role = v.clean_role(role)
    if password is not None:
        _clean_password(password)
    with transaction.atomic():
        now = now_for(tenant)
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None and existing.deleted_at is not None and existing.tenant_id == tenant.pk:
            if existing.deleted_at >= now - timedelta(days=RESTORE_DAYS):
                raise Conflict("email_of_deleted_user", details={"field": "email"}, email=email)
            # Past its restore time: the removed person is purged and the address is free again.
            existing.delete()
            existing = None
        if existing is not None:
            raise _email_taken(email)
        user = User(tenant=tenant, email=email, display_name=display_name, role=role, created_at=now)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError:
            raise _email_taken(email) from None
        audit_record(
            actor=actor, action="user.created", object_type="user", object_id=user.pk, tenant_id=tenant.pk, at=now,
            after={"email": email, "display_name": display_name, "role": role},
        )
    return user


RESTORE_DAYS = 30


def user_remove(*, actor: Actor, tenant: Tenant, user_id: str) -> None:
    """Remove the user from the tenant and free every license they hold, each freeing audited as
    `license.removed`. The person is kept as a deleted user, restorable for RESTORE_DAYS days."""
    from prorata.licenses.models import License
    from prorata.licenses.schemas import license_out
    from prorata.subscriptions.models import Subscription

    require_tenant_role(actor, tenant, USER_ADMINS)
    if not usable_id(user_id):
        raise NotFound("not_found", object="user", id=user_id)
    with transaction.atomic():
        # Lock order, subscriptions (by id) then users (by id), is the order license_assign
        # takes them (the subscription, then the user's row through the license's foreign key),
        # so the two cannot deadlock. Every subscription of the tenant is locked, not only those
        # where the user holds a seat now: a seat being assigned concurrently on another one
        # would otherwise be deleted unaudited with the user, or fail its insert.
        list(Subscription.objects.select_for_update(no_key=True).filter(tenant_id=tenant.pk).order_by("id").values_list("id", flat=True))
        # The global admins are locked too, so two removals cannot each leave the other as the last.
        locked = list(
            User.objects.select_for_update(no_key=True)
            .filter(tenant_id=tenant.pk, role__in=v.TENANT_ROLES, deleted_at__isnull=True)
            .filter(Q(pk=user_id) | Q(role=Role.GLOBAL_ADMIN))
            .order_by("id")
        )
        user = next((u for u in locked if u.pk == user_id), None)
        if user is None:
            raise NotFound("not_found", object="user", id=user_id)
        if actor.kind == "user" and actor.id == user.pk:
            raise Conflict("cannot_remove_self")
        if user.role == Role.GLOBAL_ADMIN and not any(
            u.role == Role.GLOBAL_ADMIN and u.is_active and u.pk != user.pk for u in locked
        ):
            raise Conflict("last_global_admin")
        now = now_for(tenant)
        for lic in License.objects.filter(tenant_id=tenant.pk, user_id=user.pk).select_related("user").order_by("id"):
            audit_record(
                actor=actor, action="license.removed", object_type="license", object_id=lic.pk, tenant_id=tenant.pk,
                at=now, before=license_out(lic), details={"reason": "user_removed"},
            )
            lic.delete()
        before = {"email": user.email, "display_name": user.display_name, "role": user.role}
        user.deleted_at, user.is_active = now, False
        user.save(update_fields=["deleted_at", "is_active"])
        audit_record(
            actor=actor, action="user.removed", object_type="user", object_id=user.pk, tenant_id=tenant.pk,
            at=now, before=before, after=None,
            details={"restorable_until": (now + timedelta(days=RESTORE_DAYS)).isoformat()},
        )


def user_restore(*, actor: Actor, tenant: Tenant, user_id: str) -> User:
    """Bring back a user removed less than RESTORE_DAYS days ago, with their name, e-mail, role
    and password; without licenses (those were freed and may be in use): assign them again."""
    require_tenant_role(actor, tenant, USER_ADMINS)
    if not usable_id(user_id):
        raise NotFound("not_found", object="user", id=user_id)
    with transaction.atomic():
        user = (User.objects.select_for_update(no_key=True)
                .filter(pk=user_id, tenant_id=tenant.pk, role__in=v.TENANT_ROLES, deleted_at__isnull=False).first())
        if user is None:
            raise NotFound("not_found", object="user", id=user_id)
        now = now_for(tenant)
        if user.deleted_at < now - timedelta(days=RESTORE_DAYS):
            raise Conflict("restore_expired", days=RESTORE_DAYS)
        user.deleted_at, user.is_active = None, True
        user.save(update_fields=["deleted_at", "is_active"])
        audit_record(
            actor=actor, action="user.restored", object_type="user", object_id=user.pk, tenant_id=tenant.pk, at=now,
            after={"email": user.email, "display_name": user.display_name, "role": user.role},
        )
    return user


def user_update(*, actor: Actor, tenant: Tenant, user_id: str, display_name: str, role: str) -> User:
    """A user's display name and role. The last global admin keeps the role, and a global admin
    does not take it from themself (another global admin does)."""
    require_tenant_role(actor, tenant, USER_ADMINS)
    display_name = v.clean_name(display_name, "display_name", "invalid_display_name")
    role = v.clean_role(role)
    if not usable_id(user_id):
        raise NotFound("not_found", object="user", id=user_id)
    with transaction.atomic():
        # Locked in the order user_remove locks them, so that two demotions cannot each leave
        # the other as the last global admin.
        locked = list(
            User.objects.select_for_update(no_key=True)
            .filter(tenant_id=tenant.pk, role__in=v.TENANT_ROLES, deleted_at__isnull=True)
            .filter(Q(pk=user_id) | Q(role=Role.GLOBAL_ADMIN))
            .order_by("id")
        )
        user = next((u for u in locked if u.pk == user_id), None)
        if user is None:
            raise NotFound("not_found", object="user", id=user_id)
        before = {"display_name": user.display_name, "role": user.role}
        after = {"display_name": display_name, "role": role}
        if before == after:
            return user
        if user.role == Role.GLOBAL_ADMIN and role != Role.GLOBAL_ADMIN:
            if actor.kind == "user" and actor.id == user.pk:
                raise Conflict("cannot_change_own_role", details={"field": "role"})
            if not any(u.role == Role.GLOBAL_ADMIN and u.is_active and u.pk != user.pk for u in locked):
                raise Conflict("last_global_admin", details={"field": "role"})
        user.display_name, user.role = display_name, role
        user.save(update_fields=["display_name", "role"])
        audit_record(
            actor=actor, action="user.updated", object_type="user", object_id=user.pk, tenant_id=tenant.pk,
            at=now_for(tenant), before={k: before[k] for k in after if before[k] != after[k]},
            after={k: after[k] for k in after if before[k] != after[k]},
        )
    return user


def _may_edit_user(actor: Actor, user: User) -> None:
    """The user themself, a global admin of their tenant, or the vendor."""
    if actor.kind == "user" and actor.id == user.pk:
        return
    if user.tenant_id is None:
        if not (actor.is_operator or actor.kind == "system"):
            raise Forbidden("forbidden")
        return
    tenant = Tenant.objects.get(pk=user.tenant_id)
    require_tenant_role(actor, tenant, USER_ADMINS)


def user_set_password(*, actor: Actor, user: User, password: str) -> None:
    _may_edit_user(actor, user)
    _clean_password(password, user)
    with transaction.atomic():
        locked = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        locked.set_password(password)
        locked.save(update_fields=["password"])
        audit_record(
            actor=actor, action="user.password_changed", object_type="user", object_id=locked.pk,
            tenant_id=locked.tenant_id, at=now_for(locked.tenant),
        )
    user.password = locked.password


def user_set_language(*, actor: Actor, user: User, language: str) -> User:
    """The user's own language; "" follows the tenant's."""
    _may_edit_user(actor, user)
    language = v.clean_language(language, allow_blank=True)
    with transaction.atomic():
        locked = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        before = locked.language
        if before != language:
            locked.language = language
            locked.save(update_fields=["language"])
            audit_record(
                actor=actor, action="user.updated", object_type="user", object_id=locked.pk,
                tenant_id=locked.tenant_id, at=now_for(locked.tenant),
                before={"language": before}, after={"language": language},
            )
    user.language = language
    return user
