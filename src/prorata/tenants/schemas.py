"""API input and output of tenants, users, payment methods and test clocks."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field, StrictInt

from prorata.schemas import StrictIn

RFC3339 = {"format": "date-time"}


class TestClockIn(StrictIn):
    __test__ = False
    # A string parsed by the route, so that a bad time is `invalid_time`, not a generic error.
    frozen_time: str = Field(description="RFC 3339 time with a zone.", json_schema_extra=RFC3339)
    name: str = ""


class TestClockAdvanceIn(StrictIn):
    __test__ = False
    frozen_time: str = Field(description="The new time; not before the clock's.", json_schema_extra=RFC3339)


class TestClockOut(Schema):
    __test__ = False
    id: str
    name: str
    frozen_time: datetime
    created_at: datetime


class TenantIn(StrictIn):
    name: str
    country: str = Field(description="ISO 3166-1 alpha-2, e.g. `US`, `CN`.")
    language: str = Field(description="`en` or `zh-Hans`.")
    currency: str = Field(description="ISO 4217, e.g. `USD`.")
    timezone: str = Field(description="IANA time zone, e.g. `Asia/Shanghai`.")
    test_clock: str | None = Field(default=None, description="A test clock's id: the tenant lives at its time.")


class TenantOut(Schema):
    id: str
    name: str
    country: str
    language: str
    currency: str
    timezone: str
    test_clock: str | None
    credit_balance: int = Field(description="Account credit in minor units of `currency`.")
    collection: str = Field(description="`charge_automatically` (the default card is charged) or `send_invoice` "
                                        "(pay by invoice: no card, invoices open until paid by bank transfer).")
    days_until_due: int = Field(description="Pay by invoice: days from an invoice's issue to its due date.")
    created_at: datetime


class CollectionIn(StrictIn):
    collection: str = Field(description="`charge_automatically` or `send_invoice`.")
    days_until_due: int | None = Field(default=None, description="Net term of sent invoices, 0–365 days; "
                                                                 "unchanged when absent (default 30).")


class TenantPage(Schema):
    data: list[TenantOut]
    has_more: bool


class UserIn(StrictIn):
    email: str
    display_name: str
    role: str = Field(description="`global_admin`, `billing_admin` or `user`.")
    password: str | None = Field(default=None, description="Optional; without one the user cannot sign in yet.")


class UserOut(Schema):
    id: str
    tenant: str
    email: str
    display_name: str
    role: str
    language: str
    created_at: datetime | None


class UserPage(Schema):
    data: list[UserOut]
    has_more: bool


class PaymentMethodIn(StrictIn):
    stripe_payment_method: str | None = Field(
        None, description="Stripe gateway: the id (pm_…) of a card PaymentMethod made by Stripe.js; it is "
        "attached to the tenant's Stripe Customer.")
    card_number: str | None = Field(
        None, description="Sandbox gateway only (refused with `card_entry_not_available` with Stripe): "
        "4242424242424242 works, 4000000000000002 is declined.")
    exp_month: StrictInt | None = Field(None, description="Sandbox gateway only.")
    exp_year: StrictInt | None = Field(None, description="Sandbox gateway only.")
    cvc: str | None = Field(None, description="Sandbox gateway only.")


class PaymentMethodOut(Schema):
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool


class PaymentMethodPage(Schema):
    data: list[PaymentMethodOut]
    has_more: bool


class BillingProfileIn(Schema):
    """The whole profile: a field left out is blank afterwards."""

    legal_name: str = Field(default="", description="The name invoices are made out to; required once any other field is set.")
    address_line1: str = Field(default="", max_length=200)
    address_line2: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100, description="State or province.")
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", description="ISO 3166-1 alpha-2, e.g. `DE`, `CN`.")
    tax_id: str = Field(default="", description="VAT, GST or other business tax number, checked for `country` "
                                               "(python-stdnum); stored in its compact form.")


class BillingProfileOut(Schema):
    tenant: str
    legal_name: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    tax_id: str
