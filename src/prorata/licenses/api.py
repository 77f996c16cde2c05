"""License routes: assign, list, remove; and the check the vendor's application calls."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.responses import Status

from prorata.api import actor_of, api
from prorata.pagination import page, paginate
from prorata.schemas import errors
from prorata.subscriptions.schemas import subscription_out
from prorata.subscriptions.selectors import subscription_get

from . import selectors, services
from .schemas import (
    LicenseCheckOut,
    LicenseIn,
    LicenseOut,
    LicensePage,
    LicenseTokenIn,
    LicenseTokenOut,
    license_out,
)

router = Router(tags=["licenses"])


@router.post(
    "/subscriptions/{subscription_id}/licenses", response={201: LicenseOut, **errors(400, 404, 409)},
    operation_id="license_assign", summary="Give a user one license of the subscription",
)
def assign_license(request: HttpRequest, subscription_id: str, body: LicenseIn) -> tuple[int, dict[str, Any]]:
    lic = services.license_assign(actor=actor_of(request), subscription_id=subscription_id, user_id=body.user)
    return Status(201, license_out(lic))


@router.get(
    "/subscriptions/{subscription_id}/licenses", response={200: LicensePage, **errors(400, 404)},
    operation_id="licenses_list", summary="The users holding a license of the subscription",
)
def list_licenses(
    request: HttpRequest, subscription_id: str, limit: int | None = None, starting_after: str | None = None
) -> dict[str, Any]:
    sub = subscription_get(actor=actor_of(request), subscription_id=subscription_id)
    items, has_more = paginate(selectors.licenses_for_subscription(sub), limit, starting_after)
    return page([license_out(lic) for lic in items], has_more)


@router.delete(
    "/subscriptions/{subscription_id}/licenses/{user_id}", response={204: None, **errors(404)},
    operation_id="license_remove", summary="Take the user's license of the subscription back",
)
def remove_license(request: HttpRequest, subscription_id: str, user_id: str) -> HttpResponse:
    services.license_remove(actor=actor_of(request), subscription_id=subscription_id, user_id=user_id)
    return HttpResponse(status=204)


@router.get(
    "/licenses/check", response={200: LicenseCheckOut, **errors(400, 404)},
    operation_id="license_check", summary="Is this user licensed for this product?",
)
def check_license(request: HttpRequest, tenant: str, user: str, product: str) -> HttpResponse:
    licensed, sub = selectors.license_check(actor=actor_of(request), tenant_id=tenant, user_id=user, product_id=product)
    body = {"licensed": licensed, "subscription": subscription_out(sub) if sub is not None else None}
    # Rendered as every response is, without validating the body against LicenseCheckOut
    # again: it is subscription_out's own shape (the test pins it to GET /subscriptions/{id}),
    # and the check is the API's hottest read.
    return api.create_response(request, body, status=200)


@router.post(
    "/licenses/token", response={200: LicenseTokenOut, **errors(400, 404)},
    operation_id="license_token", summary="The license check as a signed token the vendor's app verifies offline",
)
def license_token(request: HttpRequest, body: LicenseTokenIn) -> dict[str, Any]:
    from datetime import UTC, datetime

    issued = services.license_token_issue(
        actor=actor_of(request), tenant_id=body.tenant, user_id=body.user, product_id=body.product
    )
    claims = issued.claims
    return {
        "token": issued.token, "licensed": claims["licensed"], "subscription": claims["subscription"],
        "status": claims["status"], "kid": issued.kid, "expires_at": datetime.fromtimestamp(claims["exp"], tz=UTC),
    }
