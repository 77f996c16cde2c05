from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensesConfig(AppConfig):
    name = "prorata.licenses"
    label = "licenses"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Licenses")
    default_auto_field = "django.db.models.BigAutoField"
