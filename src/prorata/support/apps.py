from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "prorata.support"
    label = "support"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Support")
    default_auto_field = "django.db.models.BigAutoField"
