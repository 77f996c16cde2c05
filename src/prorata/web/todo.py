"""Home's to-do list: what needs the admin's attention, each item with the page where it is fixed.

Built from the same reads as the pages it links to; nothing here writes. Times are the tenant's
business time (its test clock if it has one), dates in its time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# A trial this close to its end, and a card this close to its expiry, are shown.
TRIAL_NOTICE = timedelta(days=14)
CARD_NOTICE_DAYS = 45
# Licenses "run out" when none is left, or at most this share of a subscription of 10 or more.
RUNNING_OUT_SHARE = 0.1


@dataclass(frozen=True)
class Todo:
    kind: str
    # "alert" (money or access at risk now) or "warning".
    level: str
    text: str
    link: str
    link_text: str


def _card_expires(pm: Any) -> date:
    """The first day after the card's expiry month (a card is good through its whole month)."""
    year, month = (pm.exp_year + 1, 1) if pm.exp_month == 12 else (pm.exp_year, pm.exp_month + 1)
    return date(year, month, 1)


def todo_items(*, actor: Any, tenant: Any, subscriptions: list[Any], now: datetime) -> list[Todo]:
    """The items for `tenant` at `now`, the most urgent first; `subscriptions` as listed on Home
    (with `assigned_licenses`)."""
    from prorata.core.periods import local_date
    from prorata.support.selectors import visible_callback_requests
    from prorata.tenants.selectors import payment_methods_list
    from prorata.web.templatetags.prorata import day, localized_name

    items: list[Todo] = []
    cards = payment_methods_list(actor=actor, tenant=tenant)
    cards_url = reverse("tenants:payment_methods")
    for sub in subscriptions:
        product = localized_name(sub.plan.product)
        detail = reverse("subscriptions:detail", args=[sub.pk])
        if sub.status == "past_due":
            items.append(Todo("payment_failed", "alert",
                              _("The payment for %(product)s failed. Update the card so that the charge can be retried.")
                              % {"product": product}, cards_url, _("Update payment method")))
        if sub.status == "trialing" and sub.trial_end and sub.trial_end - now <= TRIAL_NOTICE:
            if cards:
                text = _("The trial of %(product)s ends on %(date)s; then it is charged to your default card.")
                items.append(Todo("trial_ending", "warning", text % {"product": product, "date": day(sub.trial_end)},
                                  detail, _("Review the subscription")))
            else:
                text = _("The trial of %(product)s ends on %(date)s. Add a payment method to keep it.")
                items.append(Todo("trial_ending", "alert", text % {"product": product, "date": day(sub.trial_end)},
                                  cards_url, _("Add a payment method")))
        if sub.status in ("active", "trialing", "past_due"):
            left = sub.quantity - sub.assigned_licenses
            if left <= 0 or (sub.quantity >= 10 and left <= sub.quantity * RUNNING_OUT_SHARE):
                if left <= 0:
                    text = _("All %(count)s licenses of %(product)s are assigned.") % {"count": sub.quantity, "product": product}
                else:
                    text = ngettext("Only %(left)s license of %(product)s is left.",
                                    "Only %(left)s licenses of %(product)s are left.", left) % {"left": left, "product": product}
                items.append(Todo("licenses_running_out", "warning", text,
                                  detail + "#buy-count", _("Buy licenses")))
    today = local_date(now, tenant.timezone)
    for pm in cards:
        expires = _card_expires(pm)
        label = f"{pm.brand.upper()} •••• {pm.last4}"
        if expires <= today:
            items.append(Todo("card_expiring", "alert", _("The card %(card)s has expired.") % {"card": label},
                              cards_url, _("Add a payment method")))
        elif (expires - today).days <= CARD_NOTICE_DAYS:
            text = _("The card %(card)s expires at the end of %(month)s/%(year)s.")
            items.append(Todo("card_expiring", "warning", text % {"card": label, "month": f"{pm.exp_month:02d}", "year": pm.exp_year},
                              cards_url, _("Add a payment method")))
    pending = (visible_callback_requests(actor).filter(tenant_id=tenant.pk, status__in=["open", "in_progress"])
               .select_related("subscription__plan__product").order_by("created_at", "id")[:5])
    for request in pending:
        product = localized_name(request.subscription.plan.product)
        if request.status == "in_progress":
            text = _("A support engineer is working on your callback request about %(product)s.")
        else:
            text = _("Your callback request about %(product)s is waiting for a support engineer.")
        items.append(Todo("callback", "info", text % {"product": product},
                          reverse("support:request_detail", args=[request.pk]), _("See the request")))
    order = {"alert": 0, "warning": 1, "info": 2}
    return sorted(items, key=lambda t: order[t.level])
