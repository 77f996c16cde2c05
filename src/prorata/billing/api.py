"""Billing routes: seat changes, reactivation, and the tenant's invoices, credit notes and refunds."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from prorata.api import actor_of
from prorata.pagination import page
from prorata.schemas import errors
from prorata.subscriptions.schemas import SubscriptionOut, subscription_out
from prorata.subscriptions.selectors import subscription_get
from prorata.tenants.selectors import tenant_get

from . import selectors, services
from .schemas import (
    CreditNotePage,
    InvoiceOut,
    InvoicePage,
    QuantityIn,
    RefundPage,
    credit_note_out,
    invoice_out,
    refund_out,
)

router = Router(tags=["billing"])


def _tenant(request: HttpRequest, tenant: str | None) -> str | None:
    if tenant is None:
        return None
    return tenant_get(actor=actor_of(request), tenant_id=tenant).pk


@router.post(
    "/subscriptions/{subscription_id}/quantity", response={200: SubscriptionOut, **errors(400, 402, 404, 409)},
    operation_id="subscription_change_quantity",
    summary="Change the number of licenses: more are charged now, prorated; fewer are credited",
)
def change_quantity(request: HttpRequest, subscription_id: str, body: QuantityIn) -> dict[str, Any]:
    actor = actor_of(request)
    services.subscription_change_quantity(actor=actor, subscription_id=subscription_id, quantity=body.quantity)
    return subscription_out(subscription_get(actor=actor, subscription_id=subscription_id))


@router.post(
    "/subscriptions/{subscription_id}/reactivate", response={200: SubscriptionOut, **errors(400, 402, 404, 409)},
    operation_id="subscription_reactivate",
    summary="Reactivate an expired or disabled subscription: a new period from today, charged now",
)
def reactivate(request: HttpRequest, subscription_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    services.subscription_reactivate(actor=actor, subscription_id=subscription_id)
    return subscription_out(subscription_get(actor=actor, subscription_id=subscription_id))


@router.get(
    "/invoices", response={200: InvoicePage, **errors(400, 404)}, operation_id="invoices_list",
    summary="List invoices with their lines, optionally of one tenant",
)
def list_invoices(request: HttpRequest, tenant: str | None = None, limit: int | None = None,
                  starting_after: str | None = None) -> dict[str, Any]:
    items, has_more = selectors.invoices_page(
        actor=actor_of(request), tenant=_tenant(request, tenant), limit=limit, starting_after=starting_after
    )
    return page([invoice_out(i) for i in items], has_more)


@router.get(
    "/invoices/{invoice_id}", response={200: InvoiceOut, **errors(404)}, operation_id="invoice_get",
    summary="One invoice with its lines",
)
def get_invoice(request: HttpRequest, invoice_id: str) -> dict[str, Any]:
    return invoice_out(selectors.invoice_get(actor=actor_of(request), invoice_id=invoice_id))


@router.get(
    "/credit_notes", response={200: CreditNotePage, **errors(400, 404)}, operation_id="credit_notes_list",
    summary="List credit notes, optionally of one tenant",
)
def list_credit_notes(request: HttpRequest, tenant: str | None = None, limit: int | None = None,
                      starting_after: str | None = None) -> dict[str, Any]:
    items, has_more = selectors.credit_notes_page(
        actor=actor_of(request), tenant=_tenant(request, tenant), limit=limit, starting_after=starting_after
    )
    return page([credit_note_out(n) for n in items], has_more)


@router.get(
    "/refunds", response={200: RefundPage, **errors(400, 404)}, operation_id="refunds_list",
    summary="List refunds, optionally of one tenant",
)
def list_refunds(request: HttpRequest, tenant: str | None = None, limit: int | None = None,
                 starting_after: str | None = None) -> dict[str, Any]:
    items, has_more = selectors.refunds_page(
        actor=actor_of(request), tenant=_tenant(request, tenant), limit=limit, starting_after=starting_after
    )
    return page([refund_out(r) for r in items], has_more)
