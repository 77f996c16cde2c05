from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "prorata.audit"
    label = "audit"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Audit log")
    default_auto_field = "django.db.models.BigAutoField"
