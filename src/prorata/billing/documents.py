"""An invoice as a PDF, in the active language and time zone: the bytes the admin center's
download serves and the receipt e-mail attaches (one rendering for both)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from prorata.core.money import format_money


def active_language() -> str:
    """The active language as invoice lines key it ("en", "zh-Hans")."""
    return "zh-Hans" if (translation.get_language() or "").lower().startswith("zh") else "en"


def line_description(line: Any, language: str | None = None) -> str:
    """The line's description in `language` (default: the active one); lines written before
    descriptions were kept in every language show the one they were written in."""
    return str((line.translations or {}).get(language or active_language()) or line.description)


def seller_party() -> Any:
    """The vendor, from settings (PRORATA_SELLER_*)."""
    from prorata.web.pdf import Party

    address = [x.strip() for x in (settings.PRORATA_SELLER_ADDRESS or "").splitlines() if x.strip()]
    return Party(name=settings.PRORATA_SELLER_NAME or "Prorata", lines=address, tax_id=settings.PRORATA_SELLER_TAX_ID,
                 email=settings.PRORATA_SELLER_EMAIL)


def customer_lines(profile: dict[str, str], locale: str) -> list[str]:
    """The customer's postal address as printed: street lines, then city, region and postal code,
    then the country named in the reader's language."""
    from babel import Locale

    lines = [profile.get("address_line1", ""), profile.get("address_line2", "")]
    lines.append(" ".join(x for x in (profile.get("postal_code", ""), profile.get("city", ""), profile.get("region", "")) if x))
    if profile.get("country"):
        lines.append(Locale.parse(locale).territories.get(profile["country"], profile["country"]))
    return [x for x in lines if x]


def customer_party(tenant: Any, locale: str) -> Any:
    """The tenant as billed: its billing profile's legal name, address and tax id, else its name."""
    from prorata.tenants.models import BillingProfile
    from prorata.tenants.selectors import billing_profile_view
    from prorata.web.pdf import Party

    profile = billing_profile_view(BillingProfile.objects.filter(tenant_id=tenant.pk).first())
    return Party(name=profile["legal_name"] or tenant.name, lines=customer_lines(profile, locale), tax_id=profile["tax_id"])


def invoice_pdf_bytes(invoice: Any, *, tenant_name: str, tenant: Any = None) -> bytes:
    """The invoice `invoice` (with its lines) on A4, labelled in the active language."""
    from prorata.web.pdf import Party
    from prorata.web.pdf import invoice_pdf as render_pdf
    from prorata.web.templatetags.prorata import babel_locale, day

    locale = babel_locale()
    language = active_language()
    tenant = tenant if tenant is not None else invoice.tenant
    customer = customer_party(tenant, locale) if tenant is not None else Party(name=tenant_name)
    labels = {
        "invoice": _("Invoice"),
        "number": _("Invoice number"),
        "billed_to": _("Billed to"),
        "tax_id": _("Tax ID"),
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
        "footer": _("Amounts in %(currency)s. Billed in advance for each period.") % {"currency": invoice.currency},
    }
    return render_pdf(
        invoice,
        list(invoice.lines.all()),
        seller=seller_party(),
        customer=customer,
        labels=labels,
        money=lambda v: format_money(v, invoice.currency, locale),
        day=day,
        describe=lambda line: line_description(line, language),
        chinese=locale == "zh_Hans",
    )
