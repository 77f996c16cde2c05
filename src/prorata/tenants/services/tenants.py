"""Creating tenants and setting how they pay (operators only)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.clock import ensure_utc, system_clock
from prorata.core.errors import InvalidInput, NotFound
from prorata.core.money import validate_currency
from prorata.pagination import usable_id

from ..domain import validation as v
from ..models import Collection, Tenant, TestClock
from ..selectors import now_for
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


MAX_DAYS_UNTIL_DUE = 365


def clean_collection(collection: object) -> str:
    if collection not in Collection.values:
        raise InvalidInput("invalid_collection", value=collection, details={"field": "collection", "allowed": list(Collection.values)})
    return str(collection)


def clean_days_until_due(days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS_UNTIL_DUE:
        raise InvalidInput("invalid_days_until_due", max=MAX_DAYS_UNTIL_DUE,
                           details={"field": "days_until_due", "min": 0, "max": MAX_DAYS_UNTIL_DUE})
    return days


def tenant_set_collection(*, actor: Actor, tenant_id: str, collection: object, days_until_due: object = None) -> Tenant:
    """How the tenant pays: `charge_automatically` (its default card is charged for each invoice)
    or `send_invoice` (no card needed; each invoice is sent, open until an operator records the
    bank transfer, due `days_until_due` days after it is issued, default 30). Applies to invoices
    issued from now on; an invoice already issued keeps its due date. Setting what it already is
    changes nothing and records nothing."""
    require_operator(actor)
    collection = clean_collection(collection)
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update(no_key=True).filter(pk=tenant_id).first() if usable_id(tenant_id) else None
        if tenant is None:
            raise NotFound("not_found", object="tenant", id=tenant_id)
        days = tenant.days_until_due if days_until_due is None else clean_days_until_due(days_until_due)
        if (tenant.collection, tenant.days_until_due) == (collection, days):
            return tenant
        before = {"collection": tenant.collection, "days_until_due": tenant.days_until_due}
        tenant.collection, tenant.days_until_due = collection, days
        tenant.save(update_fields=["collection", "days_until_due"])
        now = now_for(tenant)
        audit_record(
            actor=actor, action="tenant.collection_changed", object_type="tenant", object_id=tenant.pk,
            tenant_id=tenant.pk, at=now, before=before, after={"collection": collection, "days_until_due": days},
        )
    return tenant
