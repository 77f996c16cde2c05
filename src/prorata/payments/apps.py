from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Payment processors behind one interface: the sandbox (default) and Stripe."""

    name = "prorata.payments"
    label = "payments"
    default_auto_field = "django.db.models.BigAutoField"
