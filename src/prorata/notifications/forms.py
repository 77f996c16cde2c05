"""The Billing notifications page's form: recipients, extra addresses, optional kinds."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .domain import kinds as K


def optional_choices() -> list[tuple[str, str]]:
    from .render import kind_labels

    labels = kind_labels()
    return [(k, labels[k]) for k in K.KINDS if k in K.OPTIONAL and k != K.LICENSE_ASSIGNED]


class NotificationSettingsForm(forms.Form):
    global_admins = forms.BooleanField(label=_("Global admins"), required=False)
    billing_admins = forms.BooleanField(label=_("Billing admins"), required=False)
    extra_addresses = forms.CharField(
        label=_("Other recipients"), required=False, max_length=5000,
        help_text=_("One e-mail address per line, at most 20."),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
    )
    send = forms.MultipleChoiceField(label=_("Optional notifications to send"), required=False,
                                     widget=forms.CheckboxSelectMultiple)
    license_notices = forms.BooleanField(label=_("Tell users when a license is assigned to them"), required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["send"].choices = optional_choices()

    @staticmethod
    def initial_from(settings: dict) -> dict:
        muted = set(settings["muted_kinds"])
        return {
            "global_admins": settings["global_admins"], "billing_admins": settings["billing_admins"],
            "extra_addresses": "\n".join(settings["extra_addresses"]),
            "send": [k for k, _label in optional_choices() if k not in muted],
            "license_notices": settings["license_notices"],
        }

    def addresses(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["extra_addresses"].replace(",", "\n").splitlines() if line.strip()]

    def muted(self) -> list[str]:
        sent = set(self.cleaned_data["send"])
        return [k for k, _label in optional_choices() if k not in sent]
