"""Error codes of the catalog and their messages."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "invalid_code": _("A code is 1 to 64 letters, digits, hyphens or underscores, starting with a letter or digit."),
    "invalid_name": _("The name in “%(field)s” must be 1 to 200 characters."),
    "code_taken": _("The code “%(value)s” is already in use."),
    "invalid_amount": _("The price must be a whole number of minor units, from 0 up to 1000000000000."),
    "invalid_interval": _("The billing interval must be “month” or “year”."),
    "invalid_trial_days": _("Trial days must be a whole number from 0 to 3650."),
    "invalid_policy": _("The policy field “%(field)s” is unknown or its value is not allowed."),
}
