"""Stripe as the payment processor (PRORATA_GATEWAY=stripe), through the official SDK.

- Each tenant is a Stripe Customer, created the first time it needs one and kept in
  `StripeCustomer`. Cards are collected by Stripe (Elements in the browser, a SetupIntent) and
  reach Prorata only as a PaymentMethod id (`pm_…`), which is attached to the customer; Prorata
  keeps its brand, last four digits and expiry.
- A charge is an off-session PaymentIntent confirmed at once; a refund is a Refund against the
  PaymentIntent that paid. Both carry the business key of the attempt as Stripe's
  `Idempotency-Key` and in their metadata (`prorata_key`), so that reconciliation can ask what
  became of a key (`find_charge` / `find_refund`).
- The SDK retries nothing by itself (`max_network_retries=0`): a call without an answer stays
  recorded (billing.GatewayCall) and reconciliation asks Stripe what happened before anything
  is charged again, so a second charge needs Prorata's own records to say there was none — also
  against a server that does not honour idempotency keys.

The charge/refund calls run outside any transaction (`outside_transaction`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError

from prorata.core.clock import system_clock
from prorata.core.errors import InvalidInput, PaymentFailed

from .gateway import (
    FAILED,
    REQUIRES_ACTION,
    SUCCEEDED,
    ChargeRequest,
    RefundRequest,
    Result,
    outside_transaction,
)
from .models import StripeCustomer

log = logging.getLogger(__name__)

AUTHENTICATION_REQUIRED = "authentication_required"
# Stripe refused the request itself (the card was removed at Stripe, or belongs to no customer):
# nothing was charged, and asking again would be refused again.
PAYMENT_METHOD_UNUSABLE = "payment_method_unusable"


class StripeUnsure(RuntimeError):
    """Stripe has the charge but its outcome is not final yet (processing): ask again later."""


@dataclass(frozen=True)
class StripeCard:
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    token: str  # the PaymentMethod id


_clients: dict[tuple[str, str], stripe.StripeClient] = {}


def client() -> stripe.StripeClient:
    key = getattr(settings, "STRIPE_SECRET_KEY", "")
    base = getattr(settings, "STRIPE_API_BASE", "") or "https://api.stripe.com"
    if not key:
        raise ImproperlyConfigured("PRORATA_GATEWAY=stripe needs STRIPE_SECRET_KEY")
    if (key, base) not in _clients:
        _clients[(key, base)] = stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=0)
    return _clients[(key, base)]


def customer_of(tenant_id: str) -> str:
    """The tenant's Stripe Customer id, or "" when it has none yet."""
    return StripeCustomer.objects.filter(tenant_id=tenant_id).values_list("customer", flat=True).first() or ""


def customer_ensure(tenant_id: str, *, name: str = "") -> str:
    """The tenant's Stripe Customer, created on first need (outside the caller's transaction:
    the row is written at once, so a customer made at Stripe is never forgotten here)."""
    known = customer_of(tenant_id)
    if known:
        return known
    customer = client().v1.customers.create(
        params={"name": name, "metadata": {"tenant": tenant_id}},
        options={"idempotency_key": f"customer/{tenant_id}"},
    )
    try:
        StripeCustomer.objects.create(tenant_id=tenant_id, customer=customer.id, created_at=system_clock.now())
    except IntegrityError:
        # Another request made one at the same moment: keep the first (this one stays unused).
        return customer_of(tenant_id)
    return customer.id


def payment_method_attach(tenant_id: str, payment_method: str, *, name: str = "") -> StripeCard:
    """Attach a PaymentMethod made by Stripe.js (a confirmed SetupIntent, or `pm_…`) to the tenant's customer."""
    if not isinstance(payment_method, str) or not payment_method.startswith("pm_") or len(payment_method) > 100:
        raise InvalidInput("invalid_payment_method", details={"field": "stripe_payment_method"}, field="stripe_payment_method")
    customer = customer_ensure(tenant_id, name=name)
    try:
        pm = client().v1.payment_methods.attach(payment_method, params={"customer": customer})
    except stripe.CardError as exc:
        raise PaymentFailed(exc.code or "card_declined") from exc
    except stripe.InvalidRequestError as exc:
        raise InvalidInput("invalid_payment_method", details={"field": "stripe_payment_method"},
                           field="stripe_payment_method") from exc
    card = pm.card
    if pm.type != "card" or card is None:
        raise InvalidInput("invalid_payment_method", details={"field": "stripe_payment_method"}, field="stripe_payment_method")
    return StripeCard(brand=str(card.brand or "unknown"), last4=str(card.last4), exp_month=int(card.exp_month),
                      exp_year=int(card.exp_year), token=pm.id)


def payment_method_detach(payment_method: str) -> None:
    try:
        client().v1.payment_methods.detach(payment_method)
    except stripe.StripeError:
        log.warning("could not detach %s at Stripe", payment_method, exc_info=True)


def setup_intent_create(tenant_id: str, *, name: str = "") -> str:
    """A SetupIntent for the browser to confirm with the card (Stripe Elements); its client secret."""
    customer = customer_ensure(tenant_id, name=name)
    intent = client().v1.setup_intents.create(params={"customer": customer, "usage": "off_session",
                                                      "payment_method_types": ["card"]})
    return str(intent.client_secret)


def payment_intent_get(reference: str) -> Any:
    return client().v1.payment_intents.retrieve(reference)


def _field(obj: Any, name: str) -> Any:
    """A field of a Stripe object (a StripeObject is not a dict), None when absent."""
    if obj is None:
        return None
    try:
        return obj[name]
    except (KeyError, TypeError):
        return None


def prorata_key(obj: Any) -> str:
    return str(_field(_field(obj, "metadata"), "prorata_key") or "")


def result_of_intent(intent: Any) -> Result:
    """What a PaymentIntent says of its charge."""
    status = intent.status
    if status == "succeeded":
        return Result(SUCCEEDED, intent.id)
    if status in ("requires_action", "requires_confirmation"):
        return Result(REQUIRES_ACTION, intent.id, AUTHENTICATION_REQUIRED)
    if status in ("requires_payment_method", "canceled"):
        code = _field(_field(intent, "last_payment_error"), "code") or "card_declined"
        if code == "payment_intent_authentication_failure":
            code = AUTHENTICATION_REQUIRED
        return Result(FAILED, intent.id, code)
    raise StripeUnsure(f"payment intent {intent.id} is {status}")


class StripeGateway:
    name = "stripe"

    def charge(self, requests: Sequence[ChargeRequest]) -> list[Result]:
        outside_transaction()
        return [self._charge(r) for r in requests]

    def _charge(self, r: ChargeRequest) -> Result:
        if r.amount <= 0:
            raise ValueError("a charge is for a positive amount")
        customer = r.customer or customer_of(r.metadata.get("tenant", ""))
        params: dict[str, Any] = {
            "amount": r.amount, "currency": r.currency.lower(), "payment_method": r.token,
            "payment_method_types": ["card"], "confirm": True, "off_session": True,
            "metadata": {**{k: v for k, v in r.metadata.items() if v}, "prorata_key": r.key},
        }
        if customer:
            params["customer"] = customer
        try:
            intent = client().v1.payment_intents.create(params=params, options={"idempotency_key": r.key})
        except stripe.CardError as exc:
            error = exc.error
            intent = getattr(error, "payment_intent", None) if error is not None else None
            if intent is not None and getattr(intent, "status", "") == "requires_action":
                return Result(REQUIRES_ACTION, intent.id, AUTHENTICATION_REQUIRED)
            if exc.code == "authentication_required":
                return Result(REQUIRES_ACTION, getattr(intent, "id", "") or "", AUTHENTICATION_REQUIRED)
            reference = getattr(intent, "id", None) or (getattr(error, "charge", None) if error is not None else None) or ""
            return Result(FAILED, str(reference), exc.code or "card_declined")
        except stripe.InvalidRequestError as exc:
            log.warning("Stripe refused the charge %s: %s", r.key, exc.user_message or exc.code)
            return Result(FAILED, "", PAYMENT_METHOD_UNUSABLE)
        return result_of_intent(intent)

    def find_charge(self, key: str, customer: str = "", tenant_id: str = "") -> Result | None:
        """The PaymentIntent made with this key, looked up by its metadata among the customer's
        charges (a search API is not everywhere, and lags)."""
        outside_transaction()
        customer = customer or customer_of(tenant_id)
        if not customer:
            return None
        charges = client().v1.charges.list(params={"customer": customer, "limit": 100, "expand": ["data.payment_intent"]})
        for charge in charges.auto_paging_iter():
            intent = charge.payment_intent
            if intent is None or isinstance(intent, str):
                continue
            if prorata_key(intent) == key:
                return result_of_intent(intent)
        return None

    def refund(self, requests: Sequence[RefundRequest]) -> list[Result]:
        outside_transaction()
        return [self._refund(r) for r in requests]

    def _refund(self, r: RefundRequest) -> Result:
        if r.amount <= 0:
            raise ValueError("a refund is for a positive amount")
        try:
            refund = client().v1.refunds.create(
                params={"payment_intent": r.charge_reference, "amount": r.amount,
                        "metadata": {**{k: v for k, v in r.metadata.items() if v}, "prorata_key": r.key}},
                options={"idempotency_key": r.key},
            )
        except stripe.InvalidRequestError as exc:
            return Result(FAILED, "", exc.code or "refund_failed")
        return self._refund_result(refund)

    @staticmethod
    def _refund_result(refund: Any) -> Result:
        if refund.status in ("failed", "canceled"):
            return Result(FAILED, refund.id, _field(refund, "failure_reason") or "refund_failed")
        return Result(SUCCEEDED, refund.id)

    def find_refund(self, key: str, charge_reference: str = "") -> Result | None:
        outside_transaction()
        if not charge_reference:
            return None
        refunds = client().v1.refunds.list(params={"payment_intent": charge_reference, "limit": 100})
        for refund in refunds.auto_paging_iter():
            if prorata_key(refund) == key:
                return self._refund_result(refund)
        return None
