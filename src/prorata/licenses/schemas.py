"""API input and output of licenses and the license check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from prorata.schemas import StrictIn
from prorata.subscriptions.schemas import SubscriptionOut

from .models import License


class LicenseIn(StrictIn):
    user: str = Field(description="The id of a user of the subscription's tenant.")


class LicenseOut(Schema):
    id: str
    subscription: str
    user: str
    email: str
    display_name: str
    assigned_at: datetime


class LicensePage(Schema):
    data: list[LicenseOut]
    has_more: bool


class LicenseCheckOut(Schema):
    licensed: bool
    subscription: SubscriptionOut | None


class LicenseTokenIn(StrictIn):
    tenant: str = Field(description="The tenant whose user is asked about.")
    user: str = Field(description="The user's id.")
    product: str = Field(description="The product's id.")


class LicenseTokenOut(Schema):
    token: str = Field(description="A JWT signed with EdDSA (Ed25519): verify it with the keys at "
                       "/.well-known/jwks.json. Claims: iss, aud (`prorata-license`), sub (the user), tenant, "
                       "product, licensed, subscription, status, iat, nbf, exp, jti.")
    licensed: bool
    subscription: str | None
    status: str | None
    kid: str = Field(description="The id of the key that signed it (the token's `kid` header).")
    expires_at: datetime = Field(description="The token's `exp`: until then it states this answer, "
                                 "even if the license is removed or the subscription cancelled meanwhile.")


def license_out(lic: License) -> dict[str, Any]:
    return {
        "id": lic.pk, "subscription": lic.subscription_id, "user": lic.user_id,
        "email": lic.user.email, "display_name": lic.user.display_name, "assigned_at": lic.assigned_at,
    }
