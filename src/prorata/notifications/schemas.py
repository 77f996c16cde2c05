"""API input and output of billing notices and a tenant's notification settings."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from prorata.schemas import StrictIn


class NoticeAttemptOut(Schema):
    number: int
    attempted_at: datetime
    succeeded: bool
    error: str
    duration_ms: int


class NoticeOut(Schema):
    id: str
    tenant: str
    kind: str = Field(description="What the notice tells: `receipt`, `payment_failed`, `trial_ending_7d`, …")
    event: str | None = Field(description="The event it tells of; none for time-driven notices (trial ending…).")
    subscription: str | None
    recipient: str
    language: str
    status: str = Field(description="`pending`, `sent` or `failed` (retries over).")
    subject: str = Field(description="The subject as sent (empty until the first attempt).")
    attempts: list[NoticeAttemptOut]
    next_attempt_at: datetime | None
    occurred_at: datetime = Field(description="The business time it tells of (the tenant's clock).")
    sent_at: datetime | None


class NoticePage(Schema):
    data: list[NoticeOut]
    has_more: bool


class NotificationSettingsOut(Schema):
    tenant: str
    global_admins: bool = Field(description="The tenant's global admins receive billing notices.")
    billing_admins: bool = Field(description="The tenant's billing admins receive billing notices.")
    extra_addresses: list[str] = Field(description="More addresses that receive billing notices.")
    muted_kinds: list[str] = Field(description="Optional kinds the tenant does not want.")
    license_notices: bool = Field(description="Users are told when a license is assigned to them.")


class NotificationSettingsIn(StrictIn):
    global_admins: bool | None = None
    billing_admins: bool | None = None
    extra_addresses: list[str] | None = Field(default=None, max_length=100)
    muted_kinds: list[str] | None = Field(default=None, max_length=100)
    license_notices: bool | None = None
