from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "prorata.webhooks"
    label = "webhooks"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"
