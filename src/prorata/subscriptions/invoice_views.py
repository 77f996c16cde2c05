"""The operators' invoice page (pay by invoice): an invoice with its payments, where an operator
records a bank transfer, voids the invoice or writes it off. Each action shows its amounts on a
review step and is done only when confirmed with the amount reviewed; the services (and their
refusals) are the API's."""

from __future__ import annotations

from decimal import InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, get_currency_name, parse_decimal
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from prorata.core.errors import InvalidInput
from prorata.core.money import minor_unit_exponent
from prorata.web.access import actor_of, area, attempt
from prorata.web.templatetags.prorata import babel_locale, money

ACTIONS = ("payment", "void", "mark_uncollectible")


def minor_units(text: str, currency: str) -> int:
    """An amount typed in the currency's major units ("35.00", "1,234.5", "500" for JPY) as
    minor units; anything else, or finer than the currency's minor unit, is refused."""
    try:
        value = parse_decimal((text or "").strip(), locale=babel_locale(), strict=False)
        minor = value.scaleb(minor_unit_exponent(currency))
    except (NumberFormatError, InvalidOperation, ValueError):
        raise InvalidInput("invalid_payment_amount", details={"field": "amount"}) from None
    if minor != minor.to_integral_value() or minor <= 0:
        raise InvalidInput("invalid_payment_amount", details={"field": "amount"})
    return int(minor)


def _page(request: HttpRequest, invoice: Any, status: int = 200, typed: dict[str, str] | None = None) -> HttpResponse:
    from prorata.billing.models import Payment

    payments = list(Payment.objects.filter(tenant_id=invoice.tenant_id, invoice_id=invoice.pk).order_by("id"))
    return render(request, "subscriptions/operator_invoice.html", {
        "invoice": invoice, "lines": list(invoice.lines.all()), "payments": payments,
        "owed": invoice.total - invoice.amount_paid, "typed": typed or {},
        "currency_name": get_currency_name(invoice.currency, locale=babel_locale()),
    }, status=status)


@area("operator")
@require_http_methods(["GET", "POST"])
def operator_invoice(request: HttpRequest, invoice_id: str) -> HttpResponse:
    from prorata.billing.selectors import invoice_get

    from . import services

    actor = actor_of(request)
    invoice = invoice_get(actor=actor, invoice_id=invoice_id)
    if request.method == "GET":
        return _page(request, invoice)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return _page(request, invoice, status=400)
    typed = {"amount": request.POST.get("amount", ""), "reference": request.POST.get("reference", "")}
    if action == "payment":
        # The review step sends the amount it showed, in minor units; the first form, as typed.
        reviewed = request.POST.get("amount_minor", "")
        ok, amount = attempt(request, lambda: int(reviewed) if reviewed.isdigit() and len(reviewed) < 19
                             else minor_units(typed["amount"], invoice.currency))
        if not ok:
            return _page(request, invoice, status=400, typed=typed)
        ok, preview = attempt(request, lambda: services.invoice_payment_preview(
            actor=actor, invoice_id=invoice.pk, amount=amount, reference=typed["reference"]))
    else:
        ok, preview = attempt(request, lambda: services.invoice_close_preview(actor=actor, invoice_id=invoice.pk, action=action))
    if not ok:
        return _page(request, invoice, status=409 if action != "payment" else 400, typed=typed)
    if request.POST.get("confirm") != "yes":
        return render(request, "subscriptions/operator_invoice_review.html", {"invoice": invoice, "preview": preview,
                                                                              "reference": typed["reference"]})
    if request.POST.get("expected") != str(preview.amount):
        # What was reviewed is not what would be done now: show the new amounts again.
        return render(request, "subscriptions/operator_invoice_review.html", {
            "invoice": invoice, "preview": preview, "reference": typed["reference"], "changed": True})
    if action == "payment":
        ok, _done = attempt(request, lambda: services.invoice_payment_record(
            actor=actor, invoice_id=invoice.pk, amount=preview.amount, reference=typed["reference"]))
        text = _("A bank transfer of %(amount)s is recorded on invoice %(number)s.")
    elif action == "void":
        ok, _done = attempt(request, lambda: services.invoice_void(actor=actor, invoice_id=invoice.pk))
        text = _("Invoice %(number)s is void; %(credit)s of credit went back to the tenant's balance.")
    else:
        ok, _done = attempt(request, lambda: services.invoice_mark_uncollectible(actor=actor, invoice_id=invoice.pk))
        text = _("%(amount)s of invoice %(number)s is written off; %(credit)s of credit went back to the tenant's balance.")
    if ok:
        messages.success(request, text % {"amount": money(preview.amount, invoice.currency), "number": invoice.number,
                                          "credit": money(preview.credit_returned, invoice.currency)})
    return redirect("subscriptions:operator_invoice", invoice_id=invoice.pk)
