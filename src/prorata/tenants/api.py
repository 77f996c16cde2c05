"""Routes of tenants, their users and payment methods, and test clocks. Thin: parse, call, shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from prorata.api import actor_of
from prorata.core.errors import InvalidInput
from prorata.pagination import page
from prorata.schemas import errors

from . import selectors, services
from .models import PaymentMethod, Tenant, TestClock, User
from .schemas import (
    BillingProfileIn,
    BillingProfileOut,
    CollectionIn,
    PaymentMethodIn,
    PaymentMethodOut,
    PaymentMethodPage,
    TenantIn,
    TenantOut,
    TenantPage,
    TestClockAdvanceIn,
    TestClockIn,
    TestClockOut,
    UserIn,
    UserOut,
    UserPage,
)

router = Router(tags=["tenants"])


def parse_time(value: str, field: str = "frozen_time") -> datetime:
    """RFC 3339 with a zone ("Z" or an offset); anything else is `invalid_time`."""
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput("invalid_time", details={"field": field}, field=field) from None
    return at


def clock_out(clock: TestClock) -> dict[str, Any]:
    return {"id": clock.pk, "name": clock.name, "frozen_time": clock.frozen_time, "created_at": clock.created_at}


def tenant_out(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.pk, "name": tenant.name, "country": tenant.country, "language": tenant.language,
        "currency": tenant.currency, "timezone": tenant.timezone, "test_clock": tenant.test_clock_id,
        "credit_balance": tenant.credit_balance, "collection": tenant.collection,
        "days_until_due": tenant.days_until_due, "created_at": tenant.created_at,
    }


def user_out(user: User) -> dict[str, Any]:
    return {
        "id": user.pk, "tenant": user.tenant_id, "email": user.email, "display_name": user.display_name,
        "role": user.role, "language": user.language, "created_at": user.created_at,
    }


def payment_method_out(pm: PaymentMethod) -> dict[str, Any]:
    return {
        "id": pm.pk, "brand": pm.brand, "last4": pm.last4, "exp_month": pm.exp_month,
        "exp_year": pm.exp_year, "is_default": pm.is_default,
    }


# Test clocks


@router.post(
    "/test_clocks", response={201: TestClockOut, **errors(400, 403)}, tags=["test clocks"],
    operation_id="test_clock_create", summary="Create a test clock (operator)",
)
def create_test_clock(request: HttpRequest, body: TestClockIn) -> Status[dict[str, Any]]:
    clock = services.test_clock_create(actor=actor_of(request), frozen_time=parse_time(body.frozen_time), name=body.name)
    return Status(201, clock_out(clock))


@router.get(
    "/test_clocks/{clock_id}", response={200: TestClockOut, **errors(404)}, tags=["test clocks"],
    operation_id="test_clock_get", summary="Get a test clock (operator)",
)
def get_test_clock(request: HttpRequest, clock_id: str) -> dict[str, Any]:
    return clock_out(selectors.test_clock_get(actor=actor_of(request), clock_id=clock_id))


@router.post(
    "/test_clocks/{clock_id}/advance", response={200: TestClockOut, **errors(400, 404, 409)}, tags=["test clocks"],
    operation_id="test_clock_advance", summary="Advance a test clock, doing all work that falls due (operator)",
)
def advance_test_clock(request: HttpRequest, clock_id: str, body: TestClockAdvanceIn) -> dict[str, Any]:
    clock = services.test_clock_advance(actor=actor_of(request), clock_id=clock_id, to=parse_time(body.frozen_time))
    return clock_out(clock)


# Tenants


@router.post(
    "/tenants", response={201: TenantOut, **errors(400, 403, 404)},
    operation_id="tenant_create", summary="Create a tenant (operator)",
)
def create_tenant(request: HttpRequest, body: TenantIn) -> Status[dict[str, Any]]:
    tenant = services.tenant_create(
        actor=actor_of(request), name=body.name, country=body.country, language=body.language,
        currency=body.currency, timezone=body.timezone, test_clock_id=body.test_clock,
    )
    return Status(201, tenant_out(tenant))


@router.get(
    "/tenants", response={200: TenantPage, **errors(400, 404)},
    operation_id="tenants_list", summary="List tenants (a tenant key sees its own)",
)
def list_tenants(request: HttpRequest, limit: int | None = None, starting_after: str | None = None) -> dict[str, Any]:
    items, has_more = selectors.tenants_list(actor=actor_of(request), limit=limit, starting_after=starting_after)
    return page([tenant_out(t) for t in items], has_more)


@router.get(
    "/tenants/{tenant_id}", response={200: TenantOut, **errors(404)},
    operation_id="tenant_get", summary="Get a tenant, with its credit balance",
)
def get_tenant(request: HttpRequest, tenant_id: str) -> dict[str, Any]:
    return tenant_out(selectors.tenant_get(actor=actor_of(request), tenant_id=tenant_id))


@router.post(
    "/tenants/{tenant_id}/collection", response={200: TenantOut, **errors(400, 403, 404)},
    operation_id="tenant_set_collection",
    summary="How the tenant pays: its card charged automatically, or invoices sent and paid by transfer (operator)",
)
def set_tenant_collection(request: HttpRequest, tenant_id: str, body: CollectionIn) -> dict[str, Any]:
    tenant = services.tenant_set_collection(actor=actor_of(request), tenant_id=tenant_id, collection=body.collection,
                                            days_until_due=body.days_until_due)
    return tenant_out(tenant)


@router.get(
    "/tenants/{tenant_id}/billing_profile", response={200: BillingProfileOut, **errors(404)},
    operation_id="billing_profile_get", summary="The legal name, address and tax id printed on the tenant's invoices",
)
def get_billing_profile(request: HttpRequest, tenant_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    tenant = selectors.tenant_get(actor=actor, tenant_id=tenant_id)
    return {"tenant": tenant.pk, **selectors.billing_profile_get(actor=actor, tenant=tenant)}


@router.post(
    "/tenants/{tenant_id}/billing_profile", response={200: BillingProfileOut, **errors(400, 403, 404)},
    operation_id="billing_profile_update", summary="Replace the billing profile printed on the tenant's invoices",
)
def update_billing_profile(request: HttpRequest, tenant_id: str, body: BillingProfileIn) -> dict[str, Any]:
    actor = actor_of(request)
    profile = services.billing_profile_update(actor=actor, tenant_id=tenant_id, **body.model_dump())
    return {"tenant": profile.tenant_id, **selectors.billing_profile_view(profile)}


# Users


@router.post(
    "/tenants/{tenant_id}/users", response={201: UserOut, **errors(400, 403, 404, 409)}, tags=["users"],
    operation_id="user_create", summary="Add a user to a tenant",
)
def create_user(request: HttpRequest, tenant_id: str, body: UserIn) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    tenant = selectors.tenant_get(actor=actor, tenant_id=tenant_id)
    user = services.user_create(
        actor=actor, tenant=tenant, email=body.email, display_name=body.display_name, role=body.role,
        password=body.password,
    )
    return Status(201, user_out(user))


@router.get(
    "/tenants/{tenant_id}/users", response={200: UserPage, **errors(400, 404)}, tags=["users"],
    operation_id="users_list", summary="List a tenant's users",
)
def list_users(
    request: HttpRequest, tenant_id: str, limit: int | None = None, starting_after: str | None = None
) -> dict[str, Any]:
    actor = actor_of(request)
    tenant = selectors.tenant_get(actor=actor, tenant_id=tenant_id)
    items, has_more = selectors.users_list(actor=actor, tenant=tenant, limit=limit, starting_after=starting_after)
    return page([user_out(u) for u in items], has_more)


@router.get(
    "/tenants/{tenant_id}/users/{user_id}", response={200: UserOut, **errors(404)}, tags=["users"],
    operation_id="user_get", summary="Get a user",
)
def get_user(request: HttpRequest, tenant_id: str, user_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    tenant = selectors.tenant_get(actor=actor, tenant_id=tenant_id)
    return user_out(selectors.user_get(actor=actor, tenant=tenant, user_id=user_id))


@router.delete(
    "/tenants/{tenant_id}/users/{user_id}", response={204: None, **errors(403, 404, 409)}, tags=["users"],
    operation_id="user_remove", summary="Remove a user; their licenses are freed",
    description="The person can no longer sign in and holds no license. They are kept as a deleted user for 30 days "
                "and can be restored by a global admin in the admin center (Users › Deleted users), without their licenses.",
)
def remove_user(request: HttpRequest, tenant_id: str, user_id: str) -> Status[None]:
    actor = actor_of(request)
    tenant = selectors.tenant_get(actor=actor, tenant_id=tenant_id)
    services.user_remove(actor=actor, tenant=tenant, user_id=user_id)
    return Status(204, None)


# Payment methods


@router.post(
    "/tenants/{tenant_id}/payment_methods", response={201: PaymentMethodOut, **errors(400, 402, 403, 404)},
    tags=["payment methods"], operation_id="payment_method_add",
    summary="Add a card (a Stripe PaymentMethod, or a card number with the sandbox); the first card becomes the default",
)
def add_payment_method(request: HttpRequest, tenant_id: str, body: PaymentMethodIn) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    tenant = selectors.tenant_get(actor=actor, tenant_id=tenant_id)
    pm = services.payment_method_add(
        actor=actor, tenant=tenant, card_number=body.card_number, exp_month=body.exp_month,
        exp_year=body.exp_year, cvc=body.cvc, stripe_payment_method=body.stripe_payment_method,
    )
    return Status(201, payment_method_out(pm))


@router.get(
    "/tenants/{tenant_id}/payment_methods", response={200: PaymentMethodPage, **errors(404)},
    tags=["payment methods"], operation_id="payment_methods_list", summary="List a tenant's cards",
)
def list_payment_methods(request: HttpRequest, tenant_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    tenant = selectors.tenant_get(actor=actor, tenant_id=tenant_id)
    # A tenant holds a handful of cards: one page always holds them all.
    return page([payment_method_out(pm) for pm in selectors.payment_methods_list(actor=actor, tenant=tenant)], False)


@router.delete(
    "/tenants/{tenant_id}/payment_methods/{pm_id}", response={204: None, **errors(403, 404)},
    tags=["payment methods"], operation_id="payment_method_remove",
    summary="Remove a card; if it was the default, the oldest other card becomes the default",
)
def remove_payment_method(request: HttpRequest, tenant_id: str, pm_id: str) -> Status[None]:
    actor = actor_of(request)
    tenant = selectors.tenant_get(actor=actor, tenant_id=tenant_id)
    services.payment_method_remove(actor=actor, tenant=tenant, payment_method_id=pm_id)
    return Status(204, None)


@router.post(
    "/tenants/{tenant_id}/payment_methods/{pm_id}/default", response={200: PaymentMethodOut, **errors(403, 404)},
    tags=["payment methods"], operation_id="payment_method_set_default", summary="Make a card the default",
)
def set_default_payment_method(request: HttpRequest, tenant_id: str, pm_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    tenant = selectors.tenant_get(actor=actor, tenant_id=tenant_id)
    pm = services.payment_method_set_default(actor=actor, tenant=tenant, payment_method_id=pm_id)
    return payment_method_out(pm)
