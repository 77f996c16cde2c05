"""Billing routes: the tenant's invoices, credit notes and refunds."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from prorata.api import actor_of
from prorata.pagination import page
from prorata.schemas import errors
from prorata.tenants.selectors import tenant_get

from . import selectors
from .schemas import (
    CreditNotePage,
    InvoiceOut,
    InvoicePage,
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
