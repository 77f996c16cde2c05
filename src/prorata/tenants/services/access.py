"""Who may do what, checked by every tenant service before it writes."""

from __future__ import annotations

from prorata.core.actor import Actor
from prorata.core.errors import Forbidden, NotFound

from ..models import Tenant


def require_operator(actor: Actor) -> None:
    """Operator keys, operator users and the system (CLI, seed)."""
    if not (actor.is_operator or actor.kind == "system"):
        raise Forbidden("forbidden")


def require_tenant_role(actor: Actor, tenant: Tenant, roles: tuple[str, ...]) -> None:
    """A tenant actor of one of `roles` in this tenant, or the vendor (operators, the system).

    Another tenant's object is NotFound, never Forbidden: its existence is not revealed.
    A tenant key acts as a global admin.
    """
    if actor.is_operator or actor.kind == "system":
        return
    if actor.tenant_id != tenant.pk:
        if actor.is_support:
            raise Forbidden("forbidden")
        raise NotFound("not_found", object="tenant", id=tenant.pk)
    if actor.role not in roles:
        raise Forbidden("forbidden")


USER_ADMINS = ("global_admin",)
BILLING_ADMINS = ("global_admin", "billing_admin")
