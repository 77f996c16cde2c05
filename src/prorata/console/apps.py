from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "prorata.console"
    label = "console"
    verbose_name = _("Operator console")
    default_auto_field = "django.db.models.BigAutoField"
