"""Codes of the licenses domain and their messages."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "no_licenses_available": _(
        "All %(quantity)s licenses of this subscription are assigned. Buy more licenses or take "
        "one away from another user first."
    ),
    "license_already_assigned": _("This user already has a license of this subscription."),
    "license_not_found": _("This user has no license of this subscription."),
}
