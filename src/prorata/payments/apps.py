from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Payment processors behind one interface: the sandbox (default) and Stripe."""

    name = "prorata.payments"
    label = "payments"
    # The back office names its section after this, in the reader's language.
    verbose_name = _("Payments")
    default_auto_field = "django.db.models.BigAutoField"
