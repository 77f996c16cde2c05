"""localstripe for the tests: one server process for the whole session, and what the tests ask it."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from typing import Any

import stripe

SECRET_KEY = "sk_test_prorata"
PUBLISHABLE_KEY = "pk_test_prorata"
WEBHOOK_SECRET = "whsec_prorata_tests"

GOOD = "4242424242424242"
DECLINES_CHARGES = "4000000000000341"
DECLINED_ON_ATTACH = "4000000000000002"
NEEDS_AUTHENTICATION = "4000002500003155"


@dataclass
class LocalStripe:
    process: subprocess.Popen[str]
    base: str

    def settings(self) -> dict[str, str]:
        return {"PRORATA_GATEWAY": "stripe", "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
                "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": self.base,
                "STRIPE_JS_URL": f"{self.base}/js.stripe.com/v3/"}

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.base}, max_network_retries=0)

    def flush(self) -> None:
        request = urllib.request.Request(f"{self.base}/_config/data", method="DELETE")
        urllib.request.urlopen(request, timeout=10).read()

    def card(self, number: str = GOOD) -> str:
        """A PaymentMethod made at the server from a test card number (as Stripe.js would)."""
        pm = self.client().v1.payment_methods.create(params={
            "type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123"}})
        return pm.id

    def intents(self) -> list[Any]:
        return list(self.client().v1.payment_intents.list(params={"limit": 100}).auto_paging_iter())

    def charges(self) -> list[Any]:
        return list(self.client().v1.charges.list(params={"limit": 100, "expand": ["data.payment_intent"]}).auto_paging_iter())

    def refunds(self) -> list[Any]:
        return list(self.client().v1.refunds.list(params={"limit": 100}).auto_paging_iter())


def start() -> LocalStripe:
    script = os.path.join(os.path.dirname(__file__), "localstripe_server.py")
    process = subprocess.Popen([sys.executable, script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("PORT "):
        process.kill()
        raise RuntimeError(f"localstripe did not start: {line!r}")
    base = f"http://127.0.0.1:{int(line.split()[1])}"
    server = LocalStripe(process, base)
    # It answers once its loop runs.
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1).read()
            break
        except OSError:
            import time

            time.sleep(0.05)
    return server
