from django import forms
from django.utils.translation import gettext_lazy as _


class BulkLicenseForm(forms.Form):
    """The users ticked on the page, or (all_matching) every user matching the page's search."""

    users = forms.MultipleChoiceField(label=_("Users"), required=False)
    subscription = forms.CharField(label=_("Product"), max_length=40)
    action = forms.ChoiceField(label=_("Action"), choices=[("assign", _("Assign")), ("remove", _("Remove"))])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Ids are checked against the tenant by the selectors, not against a fixed list here.
        submitted = self.data.getlist("users") if hasattr(self.data, "getlist") else []
        self.fields["users"].choices = [(u, u) for u in submitted[:500]]

    all_matching = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=200)
    role = forms.CharField(required=False, max_length=20)
    license = forms.CharField(required=False, max_length=40)
