"""Admin-center forms of the tenants domain: users and payment methods. Input shape only;
the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

ROLE_CHOICES = [
    ("user", _("User (no admin access)")),
    ("billing_admin", _("Billing admin")),
    ("global_admin", _("Global admin")),
]


class UserAddForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=200)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial="user")
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Optional. Without one, the user sets it with “Forgot your password?”."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("The organization's language")), ("en", "English"), ("zh-Hans", "简体中文")],
    )


class CardForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"), max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    exp_month = forms.IntegerField(
        label=_("Expiry month"), min_value=1, max_value=12,
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-month"}),
    )
    exp_year = forms.IntegerField(
        label=_("Expiry year"), min_value=2000, max_value=2100,
        widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-year"}),
    )
    cvc = forms.CharField(
        label=_("Security code"), max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class UserImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns email, display_name and role (global_admin, billing_admin or user), as the export writes them."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
