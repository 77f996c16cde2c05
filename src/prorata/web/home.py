"""What Home shows: for admins, the organisation at a glance; for everyone, their own licenses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import actor_of
from .actors import may_open


def home_context(request: HttpRequest) -> dict[str, Any]:
    from prorata.licenses.selectors import licenses_for_user

    actor = actor_of(request)
    tenant = request.tenant  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "my_licenses": licenses_for_user(actor=actor, tenant_id=tenant.pk, user_id=request.user.pk),
        "sees_billing": may_open(request.user, "billing"),
        "sees_users": may_open(request.user, "users"),
    }
    if context["sees_billing"]:
        from prorata.core.transitions import ENTITLED
        from prorata.subscriptions.selectors import subscriptions_list

        subs, _more = subscriptions_list(actor=actor, tenant=tenant, limit=100)
        # Both figures over the same subscriptions: those whose licenses still count (a cancelled
        # subscription's licenses license nobody, as the license check says).
        live = [s for s in subs if s.status in ENTITLED]
        context["subscriptions"] = live
        context["assigned_total"] = sum(s.assigned_licenses for s in live)
        context["purchased_total"] = sum(s.quantity for s in live)
        from prorata.tenants.selectors import now_for

        from .todo import todo_items

        context["todos"] = todo_items(actor=actor, tenant=tenant, subscriptions=live, now=now_for(tenant))
    if context["sees_users"]:
        from prorata.tenants.selectors import users_list

        users, more = users_list(actor=actor, tenant=tenant, limit=100)
        context["user_count"] = f"{len(users)}+" if more else len(users)
    return context
