"""Creating tenants (operators only)."""

from __future__ import annotations

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
