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


class ChangePlanForm(forms.Form):
    plan = forms.ChoiceField(label=_("New plan"), widget=forms.RadioSelect)
    quantity = forms.IntegerField(label=_("Number of licenses"), min_value=1, max_value=1_000_000)
    at = forms.ChoiceField(
        label=_("When"), widget=forms.RadioSelect, initial="now",
        choices=[("now", _("Now (upgrades only): the rest of this period is prorated")),
                 ("period_end", _("At the end of the current period"))],
    )

    def __init__(self, *args: object, plans: list | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["plan"].choices = [(p.pk, p.pk) for p in plans or []]


class OfferAnswerForm(forms.Form):
    offer = forms.CharField(max_length=40)
    answer = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline")])
