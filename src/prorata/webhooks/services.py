"""Writes of webhook endpoints: create (the secret is returned once) and delete."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.clock import system_clock
from prorata.core.errors import Forbidden, InvalidInput, NotFound
from prorata.tenants.models import Tenant
from prorata.tenants.selectors import now_for

from . import transport
from .domain.events import ALL, unknown_filters
from .domain.signing import new_secret
from .models import WebhookEndpoint
from .selectors import endpoint_queryset

MAX_URL = 2000
MAX_FILTERS = 64


def _check_manager(actor: Actor) -> None:
    # Endpoints are integration settings: operators, and a tenant's global admins (tenant keys).
    if not (actor.is_operator or (actor.tenant_id and actor.role == "global_admin")):
        raise Forbidden("forbidden")


def validate_url(url: str) -> str:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        raise InvalidInput("webhook_url_invalid", details={"url": url[:200]}) from None
    if (
        len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname
        or not port_ok or any(c.isspace() for c in url)
    ):
        raise InvalidInput("webhook_url_invalid", details={"url": url[:200]})
    try:
        transport.check_scheme(url)
        # A name that does not resolve yet is accepted (its DNS may be set up later); delivery
        # checks the addresses again before every attempt, since DNS can change.
        transport.check_addresses(parts.hostname or "", parts.port or 443, unresolvable_ok=True)
    except transport.UrlRefused as exc:
        raise InvalidInput(exc.code, details={"url": url[:200], "reason": exc.reason}) from None
    return url


def validate_events(events: list[str]) -> list[str]:
    if not events or len(events) > MAX_FILTERS or not all(isinstance(e, str) for e in events):
        raise InvalidInput("webhook_events_invalid", unknown="—", details={"unknown": []})
    unknown = unknown_filters(events)
    if unknown:
        raise InvalidInput("webhook_events_invalid", unknown=", ".join(unknown[:10]), details={"unknown": unknown})
    if ALL in events:
        return [ALL]
    return sorted(set(events))


def _endpoint_after(endpoint: WebhookEndpoint) -> dict:
    # Never the secret: audit rows are readable through the API.
    return {"id": endpoint.pk, "tenant": endpoint.tenant_id, "url": endpoint.url,
            "events": endpoint.events, "description": endpoint.description}


def webhook_endpoint_create(
    *, actor: Actor, url: str, events: list[str], tenant_id: str | None = None, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (whsec_…), which is shown only here.

    A tenant key makes endpoints of its own tenant; an operator key makes vendor-wide ones
    (tenant None: every tenant's events) or passes a tenant.
    """
    _check_manager(actor)
    url = validate_url(url)
    events = validate_events(events)
    description = (description or "").strip()
    if len(description) > 200:
        raise InvalidInput("validation_error", fields="description")
    if not actor.is_operator:
        if tenant_id not in (None, actor.tenant_id):
            raise NotFound("not_found", object="tenant", id=tenant_id)
        tenant_id = actor.tenant_id
    with transaction.atomic():
        tenant = None
        if tenant_id is not None:
            tenant = Tenant.objects.filter(pk=tenant_id).first()
            if tenant is None:
                raise NotFound("not_found", object="tenant", id=tenant_id)
        at = now_for(tenant) if tenant is not None else system_clock.now()
        secret = new_secret()
        endpoint = WebhookEndpoint.objects.create(
            tenant=tenant, url=url, events=events, description=description, secret=secret,
            created_by=actor.ref, created_at=at,
        )
        audit_record(
            actor=actor, action="webhook_endpoint.created", object_type="webhook_endpoint",
            object_id=endpoint.pk, tenant_id=tenant_id, at=at, after=_endpoint_after(endpoint),
        )
    return endpoint, secret


def webhook_endpoint_delete(*, actor: Actor, endpoint_id: str) -> None:
    """Delete an endpoint; its pending deliveries are dropped with it."""
    _check_manager(actor)
    with transaction.atomic():
        endpoint = endpoint_queryset(actor).select_for_update(no_key=True).filter(pk=endpoint_id).first()
        if endpoint is None:
            raise NotFound("not_found", object="webhook_endpoint", id=endpoint_id)
        tenant = Tenant.objects.filter(pk=endpoint.tenant_id).first() if endpoint.tenant_id else None
        at = now_for(tenant) if tenant is not None else system_clock.now()
        before = _endpoint_after(endpoint)
        endpoint.delete()
        audit_record(
            actor=actor, action="webhook_endpoint.deleted", object_type="webhook_endpoint",
            object_id=endpoint_id, tenant_id=before["tenant"], at=at, before=before,
        )
