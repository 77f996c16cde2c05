from django.apps import AppConfig


class LicensesConfig(AppConfig):
    name = "prorata.licenses"
    label = "licenses"
    default_auto_field = "django.db.models.BigAutoField"
