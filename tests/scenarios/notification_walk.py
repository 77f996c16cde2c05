"""The calendar walk of the notification scenarios: trial → conversion → renewal → decline →
retry → cancel → settlement, on a test clock, with a global admin reading English and a billing
admin reading Simplified Chinese. Each step advances the clock, then lets the worker send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from billing_scenario_helpers import OPERATOR, advance, buy, tenant_on_clock

from factories import make_card, make_plan, make_product, make_user, utc
from prorata.notifications.delivery import send_due
from prorata.subscriptions.services import subscription_cancel
from prorata.tenants.models import PaymentMethod

EN = "admin@contoso.test"
ZH = "billing@contoso.test"


class Walk:
    def __init__(self) -> None:
        self.clock, self.tenant = tenant_on_clock(utc(2026, 1, 1, 12), name="Contoso")
        make_user(self.tenant, "global_admin", email=EN, display_name="Ada Admin")
        make_user(self.tenant, "billing_admin", email=ZH, display_name="李账单", language="zh-Hans")
        make_user(self.tenant, "user", email="user@contoso.test")  # not a billing contact
        product = make_product(name="Prorata Teams", names={"zh-Hans": "Prorata 团队版"})
        self.plan = make_plan(product, unit_amount=2000, trial_days=14)
        self.sub = buy(self.tenant, self.plan, 2, trial=True)
        self.good = PaymentMethod.objects.get(tenant=self.tenant)
        self.bad = None

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        return [
            ("trial day 8", lambda: advance(self.clock, utc(2026, 1, 9))),
            ("conversion", lambda: advance(self.clock, utc(2026, 1, 16))),
            ("renewal", lambda: advance(self.clock, utc(2026, 2, 16))),
            ("decline", self._decline),
            ("retry fails", lambda: advance(self.clock, utc(2026, 3, 16, 13))),
            ("retry succeeds", self._retry_succeeds),
            ("cancel", self._cancel),
            ("settlement", lambda: advance(self.clock, utc(2026, 4, 16))),
        ]

    def _decline(self) -> None:
        PaymentMethod.objects.filter(tenant=self.tenant).update(is_default=False)
        self.bad = make_card(self.tenant, "4000000000000341", default=True)
        advance(self.clock, utc(2026, 3, 15, 13))

    def _retry_succeeds(self) -> None:
        PaymentMethod.objects.filter(tenant=self.tenant).update(is_default=False)
        PaymentMethod.objects.filter(pk=self.good.pk).update(is_default=True)
        advance(self.clock, utc(2026, 3, 18, 13))

    def _cancel(self) -> None:
        advance(self.clock, utc(2026, 3, 25, 12))
        subscription_cancel(actor=OPERATOR, subscription_id=self.sub.pk)


def run(walk: Walk, server, *, send: Callable[[], object] = send_due,
        between: Callable[[str], None] | None = None) -> dict[str, list]:
    """Every step's messages, as the SMTP server received them."""
    out = {}
    for name, step in walk.steps():
        step()
        if between:
            between(name)
        send()
        out[name] = server.take()
    return out


def when(*args: int) -> datetime:
    return utc(*args)
