from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "prorata.web"
    label = "web"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Admin center")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps

        # The task queue's own section in the back office has an English-only name.
        if apps.is_installed("django_tasks_db"):
            for config in apps.get_app_configs():
                if config.name == "django_tasks_db":
                    config.verbose_name = _("Background tasks")
