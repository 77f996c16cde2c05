"""The one place a signed-in person becomes an Actor for the services."""

from __future__ import annotations

from typing import Any

from prorata.core.actor import Actor

GLOBAL_ADMIN = "global_admin"
BILLING_ADMIN = "billing_admin"
USER = "user"
SUPPORT_ENGINEER = "support_engineer"
OPERATOR = "operator"

# What each role may open, following the Microsoft 365 admin center: global admins manage
# everything of their organisation, billing admins manage billing but not users, users see
# only their own licenses; vendor staff work the support console (and operators the back office).
AREAS: dict[str, frozenset[str]] = {
    "home": frozenset({GLOBAL_ADMIN, BILLING_ADMIN, USER}),
    "users": frozenset({GLOBAL_ADMIN}),
    "billing": frozenset({GLOBAL_ADMIN, BILLING_ADMIN}),
    "support": frozenset({SUPPORT_ENGINEER}),
    "reports": frozenset({OPERATOR}),
    "operator": frozenset({OPERATOR}),
    "console": frozenset({OPERATOR}),
}


def actor_for(user: Any) -> Actor:
    """The Actor of a signed-in user (tenant member or vendor staff)."""
    return Actor(
        kind="user",
        id=str(user.pk),
        label=user.display_name or user.email,
        tenant_id=user.tenant_id,
        role=user.role,
        is_support=user.role == SUPPORT_ENGINEER,
        is_operator=user.role == OPERATOR,
    )


def may_open(user: Any, area: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in AREAS.get(area, frozenset())
