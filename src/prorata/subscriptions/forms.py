"""Admin-center forms of Products & services. Input shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .reasons import reason_choices


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why are you cancelling?"), widget=forms.RadioSelect)
    feedback = forms.CharField(
        label=_("Anything else you want to tell us?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reason"].choices = reason_choices()


class LicenseCountForm(forms.Form):
    MAX = 100_000
    count = forms.IntegerField(label=_("Number of licenses"), min_value=1, max_value=MAX)


class RecurringBillingForm(forms.Form):
    enabled = forms.TypedChoiceField(
        choices=[("on", "on"), ("off", "off")], coerce=lambda v: v == "on", label=_("Recurring billing")
    )
