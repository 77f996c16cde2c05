from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "prorata.notifications"
    label = "notifications"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"
