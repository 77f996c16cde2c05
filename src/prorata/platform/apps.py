from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    """Guarantees of the HTTP API as a whole: idempotency keys and rate limits."""

    name = "prorata.platform"
    label = "platform"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .logs import connect_task_signals
        from .lookups import register

        connect_task_signals()
        register()
