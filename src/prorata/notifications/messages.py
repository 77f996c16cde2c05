"""Error codes of the billing-notification settings and their messages."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "notification_address_invalid": _("“%(value)s” is not a valid e-mail address."),
    "notification_addresses_too_many": _("At most %(max)s extra addresses can receive billing notifications."),
    "notification_kind_unknown": _("Unknown notification kinds: %(unknown)s."),
    "notification_kind_required": _("These notifications cannot be muted: %(kinds)s. They tell of money or of losing service."),
}
