"""Billing › Bills & payments: invoices with their lines, credit notes with their settlement,
refunds, each invoice as a PDF, and a chart of charges and credits per month."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any

from babel.dates import format_skeleton
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from prorata.core.money import format_money
from prorata.web.access import actor_of, area, tenant_of
from prorata.web.charts import MonthBar, monthly_bars_svg
from prorata.web.templatetags.prorata import babel_locale


def _selectors() -> Any:
    from prorata.billing import selectors

    return selectors


def _month(at: Any) -> date:
    return timezone.localtime(at).date().replace(day=1)


def monthly_totals(invoices: list[Any], credit_notes: list[Any], months: int = 6) -> list[tuple[date, int, int]]:
    """(month, charged, credited) for the last `months` months that have any, oldest first.

    Charged is each invoice's subtotal in the month it was issued; credited is each credit
    note's amount in the month it was created, both in the tenant's time zone.
    """
    totals: dict[date, list[int]] = {}
    for inv in invoices:
        if inv.status != "void":
            totals.setdefault(_month(inv.issued_at), [0, 0])[0] += inv.subtotal
    for note in credit_notes:
        totals.setdefault(_month(note.created_at), [0, 0])[1] += note.amount
    ordered = OrderedDict(sorted(totals.items()))
    return [(m, v[0], v[1]) for m, v in list(ordered.items())[-months:]]


@area("billing")
def bills(request: HttpRequest) -> HttpResponse:
    actor, tenant = actor_of(request), tenant_of(request)
    sel = _selectors()
    invoices = list(sel.invoices_for(actor=actor, tenant=tenant).select_related("subscription__plan__product"))
    credit_notes = list(sel.credit_notes_list(actor=actor, tenant=tenant))
    refunds = list(sel.refunds_list(actor=actor, tenant=tenant))
    locale = babel_locale()
    months = monthly_totals(invoices, credit_notes)
    chart = ""
    if months:
        bars = [MonthBar(format_skeleton("yMMM", m, locale=locale), c, r) for m, c, r in months]
        chart = monthly_bars_svg(
            bars,
            title=_("Charges and credits per month"),
            description=_("Bar chart of the amounts charged and credited in each of the last months; the same figures are in the table below."),
            format_amount=lambda v: format_money(v, tenant.currency, locale),
            charges_label=_("Charges"),
            credits_label=_("Credits"),
        )
    from prorata.billing.models import Payment

    # Open invoices whose charge waits for the cardholder's confirmation (3-D Secure).
    awaiting = set(Payment.objects.filter(tenant_id=tenant.pk, invoice__status="open", status="requires_action",
                                          reference__startswith="pi_").values_list("invoice_id", flat=True))
    context = {
        "awaiting_confirmation": awaiting,
        "invoices": sorted(invoices, key=lambda i: (i.issued_at, i.number), reverse=True),
        "credit_notes": sorted(credit_notes, key=lambda n: (n.created_at, n.number), reverse=True),
        "refunds": sorted(refunds, key=lambda r: r.created_at, reverse=True),
        "chart": mark_safe(chart),  # built from escaped text only (web.charts)
        "months": [{"label": format_skeleton("yMMMM", m, locale=locale), "charges": c, "credits": r} for m, c, r in months],
        "currency": tenant.currency,
    }
    return render(request, "billing/bills.html", context)


@area("billing")
def invoice_detail(request: HttpRequest, invoice_id: str) -> HttpResponse:
    from prorata.billing.documents import (
        active_language,
        customer_party,
        line_description,
        seller_party,
    )

    invoice = _selectors().invoice_get(actor=actor_of(request), invoice_id=invoice_id)
    language = active_language()
    lines = [{"line": x, "description": line_description(x, language)} for x in invoice.lines.all()]
    return render(request, "billing/invoice.html", {
        "invoice": invoice, "lines": lines, "seller": seller_party(),
        "customer": customer_party(tenant_of(request), babel_locale()),
    })


@area("billing")
def invoice_pdf(request: HttpRequest, invoice_id: str) -> HttpResponse:
    from prorata.billing.documents import invoice_pdf_bytes

    invoice = _selectors().invoice_get(actor=actor_of(request), invoice_id=invoice_id)
    tenant = tenant_of(request)
    data = invoice_pdf_bytes(invoice, tenant_name=tenant.name, tenant=tenant)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.pdf"'
    return response


PROFILE_FIELDS = ("legal_name", "address_line1", "address_line2", "city", "region", "postal_code", "country", "tax_id")


@area("billing")
def account(request: HttpRequest) -> HttpResponse:
    """Billing › Billing account: the credit balance and its history, the billing profile printed
    on invoices (editable here), and who receives billing notices."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from prorata.billing.forms import BillingProfileForm
    from prorata.notifications.selectors import notification_settings_get
    from prorata.tenants.models import Tenant
    from prorata.tenants.selectors import billing_profile_get
    from prorata.tenants.services.billing_profile import billing_profile_update
    from prorata.web.errors import error_message

    actor, tenant = actor_of(request), tenant_of(request)
    if request.method == "POST":
        form = BillingProfileForm(request.POST)
        if form.is_valid():
            from prorata.core.errors import InvalidInput

            try:
                billing_profile_update(actor=actor, tenant_id=tenant.pk, **{k: form.cleaned_data[k] for k in PROFILE_FIELDS})
            except InvalidInput as exc:
                field = (exc.details or {}).get("field")
                form.add_error(field if field in PROFILE_FIELDS else None, error_message(exc))
            else:
                messages.success(request, _("Billing profile saved. New invoices show it."))
                return redirect("billing:account")
    else:
        form = BillingProfileForm(initial=billing_profile_get(actor=actor, tenant=tenant))
    notices = notification_settings_get(actor=actor, tenant_id=tenant.pk)
    balance = Tenant.objects.filter(pk=tenant.pk).values_list("credit_balance", flat=True).first() or 0
    context = {
        "form": form,
        "balance": balance,
        "currency": tenant.currency,
        "history": _selectors().credit_history(actor=actor, tenant=tenant),
        "notices": notices,
    }
    return render(request, "billing/account.html", context, status=400 if request.method == "POST" else 200)
