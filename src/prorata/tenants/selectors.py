"""Reads of tenants, users, payment methods and test clocks, always scoped through the actor.

`now_for(tenant)` is the one place business code gets "now" for a tenant.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from prorata.core.actor import Actor
from prorata.core.clock import ensure_utc, system_clock
from prorata.core.errors import NotFound
from prorata.pagination import paginate, usable_id

from .models import TENANT_ROLES, BillingProfile, PaymentMethod, Tenant, TestClock, User


def now_for(tenant: Tenant | None) -> datetime:
    """Business "now" for a tenant: its test clock's frozen time (read fresh), else system time."""
    if tenant is not None and tenant.test_clock_id:
        frozen = TestClock.objects.filter(pk=tenant.test_clock_id).values_list("frozen_time", flat=True).first()
        if frozen is not None:
            return ensure_utc(frozen)
    return system_clock.now()


def now_for_loaded(tenant: Tenant) -> datetime:
    """`now_for`, from the test clock read in the same statement as the tenant
    (`select_related("tenant__test_clock")`): as fresh as `now_for` for the request that read it,
    without a statement of its own. Long-running work (a clock advance) uses `now_for`."""
    if tenant.test_clock_id:
        return ensure_utc(tenant.test_clock.frozen_time)
    return system_clock.now()


def _visible_tenants(actor: Actor) -> QuerySet[Tenant]:
    qs = Tenant.objects.all()
    if actor.is_staff or actor.kind == "system":
        return qs
    if actor.tenant_id is None:
        return qs.none()
    return qs.filter(pk=actor.tenant_id)


def tenant_get(*, actor: Actor, tenant_id: str) -> Tenant:
    """The tenant, or NotFound unless the actor may see it (staff see all; tenant actors their own)."""
    tenant = _visible_tenants(actor).filter(pk=tenant_id).first() if usable_id(tenant_id) else None
    if tenant is None:
        raise NotFound("not_found", object="tenant", id=tenant_id)
    return tenant


def tenants_list(*, actor: Actor, limit: int | None = None, starting_after: str | None = None) -> tuple[list[Tenant], bool]:
    return paginate(_visible_tenants(actor), limit, starting_after)


def _tenant_users(actor: Actor, tenant: Tenant) -> QuerySet[User]:
    if not actor.can_see_tenant(tenant.pk):
        return User.objects.none()
    return User.objects.filter(tenant_id=tenant.pk, role__in=TENANT_ROLES, deleted_at__isnull=True)


def deleted_users(*, actor: Actor, tenant: Tenant, since: datetime) -> list[User]:
    """The tenant's users removed at or after `since` (still restorable), most recent first."""
    if not actor.can_see_tenant(tenant.pk):
        return []
    return list(User.objects.filter(tenant_id=tenant.pk, role__in=TENANT_ROLES, deleted_at__gte=since)
                .order_by("-deleted_at", "id")[:500])


def global_admins(*, actor: Actor, tenant: Tenant) -> list[User]:
    """The tenant's global admins: whom a billing admin asks to change users and licenses."""
    return list(_tenant_users(actor, tenant).filter(role="global_admin", is_active=True).order_by("display_name", "id")[:10])


def user_get(*, actor: Actor, tenant: Tenant, user_id: str) -> User:
    user = _tenant_users(actor, tenant).filter(pk=user_id).first() if usable_id(user_id) else None
    if user is None:
        raise NotFound("not_found", object="user", id=user_id)
    return user


def users_list(*, actor: Actor, tenant: Tenant, limit: int | None = None, starting_after: str | None = None) -> tuple[list[User], bool]:
    return paginate(_tenant_users(actor, tenant), limit, starting_after)


USER_SORTS = {
    "name": ("display_name", "id"), "-name": ("-display_name", "-id"),
    "email": ("email", "id"), "-email": ("-email", "-id"),
    "role": ("role", "display_name", "id"), "-role": ("-role", "-display_name", "-id"),
}


def _users_matching(actor: Actor, tenant: Tenant, q: str, role: str, license: str) -> QuerySet[User]:
    from django.db.models import Q

    from prorata.core.transitions import ENTITLED
    from prorata.licenses.models import License

    qs = _tenant_users(actor, tenant)
    q = (q or "").strip()[:200]
    if q:
        qs = qs.filter(Q(display_name__icontains=q) | Q(email__icontains=q))
    if role:
        qs = qs.filter(role=role) if role in TENANT_ROLES else qs.none()
    if license == "none":
        held = License.objects.filter(tenant_id=tenant.pk, subscription__status__in=ENTITLED).values("user_id")
        qs = qs.exclude(pk__in=held)
    elif license:
        qs = qs.filter(pk__in=License.objects.filter(tenant_id=tenant.pk, subscription_id=license).values("user_id"))
    return qs


def users_search(
    *, actor: Actor, tenant: Tenant, q: str = "", role: str = "", license: str = "", sort: str = "name",
    page: int = 1, per_page: int = 50,
) -> tuple[list[User], int]:
    """One page of the tenant's users matching a search and filters, and how many match in all.

    `q` matches the display name or e-mail (case-insensitive, anywhere); `role` one of the tenant
    roles; `license` a subscription id (holds one of its licenses), `none` (holds no license of
    an entitled subscription) or empty. Unknown filter values match nothing rather than failing.
    """
    qs = _users_matching(actor, tenant, q, role, license)
    total = qs.count()
    order = USER_SORTS.get(sort, USER_SORTS["name"])
    start = (max(page, 1) - 1) * per_page
    return list(qs.order_by(*order)[start:start + per_page]), total


def users_matching_ids(*, actor: Actor, tenant: Tenant, q: str = "", role: str = "", license: str = "") -> list[str]:
    """The ids of every user matching the search and filters (for "select all matching")."""
    return list(_users_matching(actor, tenant, q, role, license).order_by("id").values_list("id", flat=True))


def users_export_rows(*, actor: Actor, tenant: Tenant, q: str = "", role: str = "", license: str = "") -> list[tuple[str, str, str, str]]:
    """(id, email, display name, role) of every user matching the search and filters, by name."""
    return list(_users_matching(actor, tenant, q, role, license).order_by("display_name", "id")
                .values_list("id", "email", "display_name", "role"))


def users_by_ids(*, actor: Actor, tenant: Tenant, user_ids: list[str]) -> QuerySet[User]:
    return _tenant_users(actor, tenant).filter(pk__in=user_ids).order_by("display_name", "id")


def payment_methods_list(*, actor: Actor, tenant: Tenant) -> list[PaymentMethod]:
    if not actor.can_see_tenant(tenant.pk):
        raise NotFound("not_found", object="tenant", id=tenant.pk)
    return list(PaymentMethod.objects.filter(tenant_id=tenant.pk).order_by("id"))


def payment_method_get(*, actor: Actor, tenant: Tenant, payment_method_id: str) -> PaymentMethod:
    pm = None
    if actor.can_see_tenant(tenant.pk) and usable_id(payment_method_id):
        pm = PaymentMethod.objects.filter(tenant_id=tenant.pk, pk=payment_method_id).first()
    if pm is None:
        raise NotFound("not_found", object="payment_method", id=payment_method_id)
    return pm


def default_payment_method(tenant: Tenant) -> PaymentMethod | None:
    """The tenant's default card, or None. Not actor-scoped: for billing code acting on the tenant."""
    return PaymentMethod.objects.filter(tenant_id=tenant.pk, is_default=True).first()


def test_clock_get(*, actor: Actor, clock_id: str) -> TestClock:
    """Test clocks are the operator's tools; anyone else gets NotFound."""
    clock = None
    if (actor.is_operator or actor.kind == "system") and usable_id(clock_id):
        clock = TestClock.objects.filter(pk=clock_id).first()
    if clock is None:
        raise NotFound("not_found", object="test_clock", id=clock_id)
    return clock


# Not a pytest test, whatever its name says, when a test module imports it.
test_clock_get.__test__ = False  # type: ignore[attr-defined]


def billing_profile_view(profile: BillingProfile | None) -> dict[str, str]:
    """The profile's fields (all blank when none was saved)."""
    from .domain.validation import PROFILE_FIELDS

    return {name: (getattr(profile, name) if profile is not None else "") for name in PROFILE_FIELDS}


def billing_profile_get(*, actor: Actor, tenant: Tenant) -> dict[str, str]:
    """The tenant's billing profile as printed on its invoices; blank fields when none is saved."""
    if not actor.can_see_tenant(tenant.pk):
        raise NotFound("not_found", object="tenant", id=tenant.pk)
    return billing_profile_view(BillingProfile.objects.filter(tenant_id=tenant.pk).first())
