"""The payment processor interface, and the one rule every call to it obeys.

A processor charges and refunds; it answers later questions about what it did by the caller's
idempotency key (reconciliation). Prorata records each call, committed, before making it
(`prorata.billing.models.GatewayCall`), so the calls here must never run inside a transaction
that could roll that record back: `outside_transaction()` refuses them there.

Implementations: `prorata.payments.sandbox` (the default; test cards, no network) and
`prorata.payments.stripe_gateway`. `get_gateway()` returns the one chosen by `PRORATA_GATEWAY`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.db import connection

SUCCEEDED = "succeeded"
FAILED = "failed"
REQUIRES_ACTION = "requires_action"


class InsideTransaction(RuntimeError):
    """A gateway call inside a transaction that could roll back the record of it."""


def outside_transaction() -> None:
    """Refuse to go on inside an open transaction (a test case's own wrapping one excepted)."""
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise InsideTransaction("payment processors are called only outside a transaction (see prorata.payments.gateway)")


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    key: str  # the idempotency key: the same key never charges twice at a processor that honours it
    token: str  # the processor's reference of the payment method
    amount: int  # minor units
    currency: str
    customer: str = ""  # the processor's customer reference, where it has one
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefundRequest:
    key: str
    charge_reference: str  # what the processor called the charge being refunded
    token: str
    amount: int
    currency: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Result:
    status: str  # SUCCEEDED | FAILED | REQUIRES_ACTION
    reference: str = ""
    failure_code: str = ""


class Gateway(Protocol):
    name: str

    def charge(self, requests: Sequence[ChargeRequest]) -> list[Result]:
        """Charge each request; one answer per request, in order. Never raises for a decline."""

    def find_charge(self, key: str, customer: str = "", tenant_id: str = "") -> Result | None:
        """What became of the charge made with this key (for this tenant, or the processor's
        customer); None if the processor never saw it. Raises when it cannot tell yet."""

    def refund(self, requests: Sequence[RefundRequest]) -> list[Result]:
        """Refund each request; one answer per request, in order."""

    def find_refund(self, key: str, charge_reference: str = "") -> Result | None:
        """What became of the refund made with this key; None if the processor never saw it."""


_gateways: dict[str, Gateway] = {}


def get_gateway() -> Gateway:
    name = getattr(settings, "PRORATA_GATEWAY", "sandbox")
    if name not in _gateways:
        if name == "sandbox":
            from .sandbox import SandboxGateway

            _gateways[name] = SandboxGateway()
        elif name == "stripe":
            from .stripe_gateway import StripeGateway

            _gateways[name] = StripeGateway()
        else:
            raise ValueError(f"unknown PRORATA_GATEWAY {name!r} (sandbox or stripe)")
    return _gateways[name]
