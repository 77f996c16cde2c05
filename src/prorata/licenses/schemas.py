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


def license_out(lic: License) -> dict[str, Any]:
    return {
        "id": lic.pk, "subscription": lic.subscription_id, "user": lic.user_id,
        "email": lic.user.email, "display_name": lic.user.display_name, "assigned_at": lic.assigned_at,
    }
