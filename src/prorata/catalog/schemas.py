"""API input and output of the catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field, StrictInt

from prorata.schemas import StrictIn


class ProductIn(StrictIn):
    code: str = Field(description="Unique code, e.g. `o365-e3`.")
    name: str
    names: dict[str, str] | None = Field(default=None, description='Names in other languages: `{"zh-Hans": "…"}`.')


class ProductOut(Schema):
    id: str
    code: str
    name: str
    names: dict[str, str]
    created_at: datetime


class ProductPage(Schema):
    data: list[ProductOut]
    has_more: bool


class PolicyOut(Schema):
    max_assigned_for_online_cancel: int | None
    cancel_window_hours: int | None
    proration_unit: str
    credit_settlement: str
    grace_days: int
    disabled_days: int


class PlanIn(StrictIn):
    product: str = Field(description="The product's id.")
    code: str
    name: str
    currency: str = Field(description="ISO 4217 code.")
    unit_amount: StrictInt = Field(description="Price per license per interval, in minor units.")
    interval: str = Field(description="`month` or `year`.")
    trial_days: StrictInt | None = None
    policy: dict[str, Any] | None = Field(default=None, description="SPEC §4 policy fields; defaults fill the rest.")


class PlanOut(Schema):
    id: str
    product: str
    code: str
    name: str
    currency: str
    unit_amount: int
    interval: str
    trial_days: int
    policy: PolicyOut
    is_active: bool
    created_at: datetime


class PlanPage(Schema):
    data: list[PlanOut]
    has_more: bool
