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


def apikey_revoke(*, actor: Actor, key_id: str) -> ApiKey:
    """Stop a key from authenticating, at once and for good. Revoking twice changes nothing."""
    require_operator(actor)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update(no_key=True).filter(pk=key_id).first() if usable_id(key_id) else None
        if key is None:
            raise NotFound("not_found", object="api_key", id=key_id)
        if key.revoked_at is not None:
            return key
        now = system_clock.now()
        key.revoked_at = now
        key.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, action="api_key.revoked", object_type="api_key", object_id=key.pk,
            tenant_id=key.tenant_id, at=now, before={"revoked_at": None},
            after={"revoked_at": now.isoformat().replace("+00:00", "Z"), "prefix": key.prefix},
        )
        # Verified keys are kept in memory for a few seconds (prorata.platform.keys): this
        # process forgets it at once (and again at commit, in case a request re-read it in
        # between), the others within that time.
        from prorata.platform.keys import forget_key

        forget_key(key.secret_hash)
        transaction.on_commit(lambda digest=key.secret_hash: forget_key(digest))
    return key
