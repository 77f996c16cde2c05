"""Admin-center forms of billing: the billing profile. Input shape only; the service validates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166 country, named and sorted in the active language."""
    from babel import Locale

    from prorata.tenants.domain.validation import countries
    from prorata.web.templatetags.prorata import babel_locale

    names = Locale.parse(babel_locale()).territories
    return [("", _("Choose a country"))] + sorted(((c, names.get(c, c)) for c in countries()), key=lambda x: x[1])


class BillingProfileForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False,
                                 help_text=_("The name invoices are made out to."),
                                 widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    address_line1 = forms.CharField(label=_("Address"), max_length=200, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    city = forms.CharField(label=_("City"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    region = forms.CharField(label=_("State or province"), max_length=100, required=False,
                             widget=forms.TextInput(attrs={"autocomplete": "address-level1"}))
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    country = forms.ChoiceField(label=_("Country or region"), required=False,
                                widget=forms.Select(attrs={"autocomplete": "country"}))
    tax_id = forms.CharField(label=_("Tax ID"), max_length=40, required=False,
                             help_text=_("VAT, GST or other business tax number, checked for the chosen country."))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()
