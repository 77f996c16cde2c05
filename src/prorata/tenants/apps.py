from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "prorata.tenants"
    label = "tenants"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Tenants and people")
    default_auto_field = "django.db.models.BigAutoField"
