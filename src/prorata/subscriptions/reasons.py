"""The fixed list of reasons a customer may give when cancelling, with translated labels."""

from django.utils.translation import gettext_lazy as _

CANCEL_REASONS = {
    "too_expensive": _("It costs too much"),
    "missing_features": _("It lacks features we need"),
    "switching_product": _("We are moving to another product"),
    "no_longer_needed": _("We no longer need it"),
    "other": _("Another reason"),
}


def reason_choices() -> list[tuple[str, str]]:
    """(code, label) pairs in the active language, for forms and the API."""
    return [(code, str(label)) for code, label in CANCEL_REASONS.items()]
