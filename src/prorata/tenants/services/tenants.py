"""Creating tenants (operators only)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.clock import ensure_utc, system_clock
from prorata.core.errors import NotFound
from prorata.core.money import validate_currency
from prorata.pagination import usable_id

from ..domain import validation as v
from ..models import Tenant, TestClock
from .access import require_operator


def tenant_create(
    *,
    actor: Actor,
    name: str,
    country: str,
    language: str,
    currency: str,
    timezone: str,
    test_clock_id: str | None = None,
) -> Tenant:
    """A customer organisation. On a test clock it is created at the clock's time."""
    require_operator(actor)
    name = v.clean_name(name)
    country = v.clean_country(country)
    language = v.clean_language(language)
    currency = validate_currency(currency)
    timezone = v.clean_timezone(timezone)
    with transaction.atomic():
        clock = None
        if test_clock_id is not None:
            # Locked so that the clock cannot move between reading its time and creating the tenant.
            clock = TestClock.objects.select_for_update(no_key=True).filter(pk=test_clock_id).first() if usable_id(test_clock_id) else None
            if clock is None:
                raise NotFound("not_found", details={"field": "test_clock"}, object="test_clock", id=test_clock_id)
        now = ensure_utc(clock.frozen_time) if clock else system_clock.now()
        tenant = Tenant.objects.create(
            name=name, country=country, language=language, currency=currency, timezone=timezone,
            test_clock=clock, created_at=now,
        )
        audit_record(
            actor=actor, action="tenant.created", object_type="tenant", object_id=tenant.pk, tenant_id=tenant.pk,
            at=now, after={
                "name": name, "country": country, "language": language, "currency": currency,
                "timezone": timezone, "test_clock": clock.pk if clock else None,
            },
        )
    return tenant


def tenant_update(*, actor: Actor, tenant_id: str, name: str, country: str, language: str, timezone: str) -> Tenant:
    """A tenant's name, country, language and time zone. Its currency stays (its invoices and
    credit balance are counted in it), and so does its test clock (SPEC §6: set at creation)."""
    require_operator(actor)
    name = v.clean_name(name)
    country = v.clean_country(country)
    language = v.clean_language(language)
    timezone = v.clean_timezone(timezone)
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update(no_key=True).filter(pk=tenant_id).first() if usable_id(tenant_id) else None
        if tenant is None:
            raise NotFound("not_found", object="tenant", id=tenant_id)
        after = {"name": name, "country": country, "language": language, "timezone": timezone}
        before = {field: getattr(tenant, field) for field in after}
        if before == after:
            return tenant
        for field, value in after.items():
            setattr(tenant, field, value)
        tenant.save(update_fields=list(after))
        from ..selectors import now_for

        audit_record(
            actor=actor, action="tenant.updated", object_type="tenant", object_id=tenant.pk, tenant_id=tenant.pk,
            at=now_for(tenant), before={k: before[k] for k in after if before[k] != after[k]},
            after={k: after[k] for k in after if before[k] != after[k]},
        )
    return tenant


def tenant_onboard(
    *,
    actor: Actor,
    name: str,
    country: str,
    language: str,
    currency: str,
    timezone: str,
    admin_email: str,
    admin_name: str,
    test_clock_id: str | None = None,
) -> tuple[Tenant, Any]:
    """A tenant and its first global admin, in one transaction; the admin is invited by e-mail
    (a link to choose a password) once it is committed. A refusal of either writes nothing."""
    from .invitations import invitation_send
    from .users import user_create

    with transaction.atomic():
        tenant = tenant_create(actor=actor, name=name, country=country, language=language, currency=currency,
                               timezone=timezone, test_clock_id=test_clock_id)
        admin = user_create(actor=actor, tenant=tenant, email=admin_email, display_name=admin_name, role="global_admin")
        transaction.on_commit(lambda: invitation_send(admin.pk))
    return tenant, admin
