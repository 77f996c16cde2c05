"""Forms of "Let us call you" and of the support console. The phone is checked here for a
friendly message beside the field; the service checks it again for every other entry point."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

PREFERRED_TIMES = [
    ("morning", _("Morning (9:00–12:00)")),
    ("afternoon", _("Afternoon (12:00–17:00)")),
    ("evening", _("Evening (17:00–20:00)")),
    ("any", _("Any time during business hours")),
]
PREFERRED_TIME_LABELS = dict(PREFERRED_TIMES)


class CallbackRequestForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        help_text=_("With the country code, for example +1 415 555 0100 or +86 10 5555 0100."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    language = forms.ChoiceField(label=_("Language for the call"), choices=[("en", "English"), ("zh-Hans", "简体中文")])
    preferred_time = forms.ChoiceField(label=_("Best time to call"), choices=PREFERRED_TIMES, initial="any")
    note = forms.CharField(
        label=_("What should we know before we call?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, region: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = (region or "").upper() or None

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        try:
            number = phonenumbers.parse(raw, self.region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                _("Enter a valid phone number, with the country code if it is not in your organization's country."),
                code="invalid_phone",
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


OUTCOMES = [
    ("resolved_other", _("Resolved another way")),
    ("no_answer", _("No answer")),
]


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOMES, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CancelOnBehalfForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why is the customer cancelling?"), choices=())
    note = forms.CharField(
        label=_("Note for the record"),
        max_length=2000,
        help_text=_("What the customer asked for, and who you spoke with."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from prorata.subscriptions.reasons import reason_choices

        # An empty first choice: a reason is chosen, never submitted by default.
        self.fields["reason"].choices = [("", _("Choose a reason"))] + reason_choices()
