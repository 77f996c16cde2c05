from django import forms
from django.utils.translation import gettext_lazy as _


class BulkLicenseForm(forms.Form):
    users = forms.MultipleChoiceField(label=_("Users"))
    subscription = forms.CharField(label=_("Product"), max_length=40)
    action = forms.ChoiceField(label=_("Action"), choices=[("assign", _("Assign")), ("remove", _("Remove"))])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Ids are checked against the tenant by the selectors, not against a fixed list here.
        submitted = self.data.getlist("users") if hasattr(self.data, "getlist") else []
        self.fields["users"].choices = [(u, u) for u in submitted[:500]]
