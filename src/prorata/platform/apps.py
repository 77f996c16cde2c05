from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """Guarantees of the HTTP API as a whole: idempotency keys and rate limits."""

    name = "prorata.platform"
    label = "platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .logs import connect_task_signals
        from .lookups import register

        connect_task_signals()
        register()
