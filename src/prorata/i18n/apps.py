from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class I18nConfig(AppConfig):
    """Holds the generic API messages' catalogue (src/prorata/i18n/locale)."""

    name = "prorata.i18n"
    label = "prorata_i18n"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Languages")
