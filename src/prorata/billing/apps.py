from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "prorata.billing"
    label = "billing"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Billing")
    default_auto_field = "django.db.models.BigAutoField"
