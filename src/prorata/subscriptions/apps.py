from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "prorata.subscriptions"
    label = "subscriptions"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Subscriptions")
    default_auto_field = "django.db.models.BigAutoField"
