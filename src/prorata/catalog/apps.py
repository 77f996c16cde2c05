from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "prorata.catalog"
    label = "catalog"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Catalog")
    default_auto_field = "django.db.models.BigAutoField"
