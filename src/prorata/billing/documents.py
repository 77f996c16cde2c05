"""An invoice as a PDF, in the active language and time zone: the bytes the admin center's
download serves and the receipt e-mail attaches (one rendering for both)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from prorata.core.money import format_money


def invoice_pdf_bytes(invoice: Any, *, tenant_name: str) -> bytes:
    """The invoice `invoice` (with its lines) on A4, labelled in the active language."""
    from prorata.web.pdf import invoice_pdf as render_pdf
    from prorata.web.templatetags.prorata import babel_locale, day

    locale = babel_locale()
    labels = {
        "invoice": _("Invoice"),
        "billed_to": _("Billed to"),
        "issued": _("Issued"),
        "period": _("Period"),
        "status": _("Status"),
        "status_value": str(invoice.get_status_display()),
        "description": _("Description"),
        "quantity": _("Quantity"),
        "amount": _("Amount"),
        "subtotal": _("Subtotal"),
        "credit_applied": _("Credit applied"),
        "total": _("Total"),
        "amount_paid": _("Amount paid"),
        "amount_due": _("Amount due"),
        "footer": _("Amounts in %(currency)s. Prorata bills in advance for each period.") % {"currency": invoice.currency},
    }
    return render_pdf(
        invoice,
        list(invoice.lines.all()),
        tenant_name=tenant_name,
        labels=labels,
        money=lambda v: format_money(v, invoice.currency, locale),
        day=day,
        chinese=locale == "zh_Hans",
    )
