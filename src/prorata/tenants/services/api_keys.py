"""API keys: the secret is returned once; only its SHA-256 is stored."""

from __future__ import annotations

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.clock import system_clock
from prorata.core.errors import InvalidInput, NotFound
from prorata.pagination import usable_id

from ..domain import validation as v
from ..keys import hash_secret, new_secret
from ..models import ApiKey, ApiKeyKind, Tenant
from .access import require_operator

PREFIX_LENGTH = 16


def apikey_create(*, actor: Actor, kind: str, tenant_id: str | None = None, name: str = "") -> tuple[ApiKey, str]:
    """An operator key (no tenant) or a tenant key; returns the row and the secret, shown once."""
    require_operator(actor)
    if kind not in ApiKeyKind.values:
        raise InvalidInput("invalid_api_key_kind", details={"field": "kind"}, value=kind)
    if (kind == ApiKeyKind.TENANT) != (tenant_id is not None):
        raise InvalidInput("invalid_api_key_kind", details={"field": "tenant"}, value=kind)
    name = v.clean_name(name, "name", "invalid_key_name") if name else ""
    with transaction.atomic():
        tenant = None
        if tenant_id is not None:
            tenant = Tenant.objects.filter(pk=tenant_id).first() if usable_id(tenant_id) else None
            if tenant is None:
                raise NotFound("not_found", details={"field": "tenant"}, object="tenant", id=tenant_id)
        now = system_clock.now()
        secret = new_secret()
        key = ApiKey.objects.create(
            kind=kind, tenant=tenant, name=name, prefix=secret[:PREFIX_LENGTH],
            secret_hash=hash_secret(secret), created_at=now,
        )
        audit_record(
            actor=actor, action="api_key.created", object_type="api_key", object_id=key.pk,
            tenant_id=tenant.pk if tenant else None, at=now,
            after={"kind": kind, "name": name, "prefix": key.prefix},
        )
    return key, secret
