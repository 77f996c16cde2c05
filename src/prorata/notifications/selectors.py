"""Reads of notices and notification settings, always scoped by tenant through the actor.

Operators see every tenant's; a tenant's global and billing admins (and its API key) see their
own tenant's; anyone else sees nothing (NotFound, so another tenant's existence is not shown).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from prorata.core.actor import Actor
from prorata.core.errors import NotFound
from prorata.pagination import paginate

from .models import Notice, NotificationSettings

READERS = ("global_admin", "billing_admin")


def _tenant_id(actor: Actor, tenant_id: str | None) -> str | None:
    """The tenant the actor reads (None: all, for operators), or NotFound."""
    if actor.is_operator or actor.kind == "system":
        return tenant_id
    if not actor.tenant_id or actor.role not in READERS or (tenant_id and tenant_id != actor.tenant_id):
        raise NotFound("not_found", object="tenant", id=tenant_id or "")
    return actor.tenant_id


def settings_view(s: NotificationSettings | None, tenant_id: str) -> dict[str, Any]:
    """A tenant's settings as the API shows them (the defaults when it never changed them)."""
    return {
        "tenant": tenant_id,
        "global_admins": s.global_admins if s else True,
        "billing_admins": s.billing_admins if s else True,
        "extra_addresses": list(s.extra_addresses or []) if s else [],
        "muted_kinds": list(s.muted_kinds or []) if s else [],
        "license_notices": bool(s and s.license_notices),
    }


def notices_queryset(*, actor: Actor, tenant_id: str | None = None, kind: str | None = None,
                     status: str | None = None) -> QuerySet[Notice]:
    scoped = _tenant_id(actor, tenant_id)
    qs = Notice.objects.all()
    if scoped:
        qs = qs.filter(tenant_id=scoped)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def notices_list(*, actor: Actor, tenant_id: str | None = None, kind: str | None = None, status: str | None = None,
                 limit: int | None = None, starting_after: str | None = None) -> tuple[list[Notice], bool]:
    qs = notices_queryset(actor=actor, tenant_id=tenant_id, kind=kind, status=status).prefetch_related("attempt_rows")
    return paginate(qs, limit=limit, starting_after=starting_after)


def notification_settings_get(*, actor: Actor, tenant_id: str) -> dict[str, Any]:
    from prorata.tenants.selectors import tenant_get

    tenant = tenant_get(actor=actor, tenant_id=tenant_id)
    _tenant_id(actor, tenant.pk)
    return settings_view(NotificationSettings.objects.filter(tenant_id=tenant.pk).first(), tenant.pk)
