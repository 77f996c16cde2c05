from django.apps import AppConfig


class I18nConfig(AppConfig):
    """Holds the generic API messages' catalogue (src/prorata/i18n/locale)."""

    name = "prorata.i18n"
    label = "prorata_i18n"
