"""Error codes of webhook endpoints and their messages."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "webhook_url_invalid": _(
        "The webhook URL must be an absolute http:// or https:// URL with a host, at most 2000 characters."
    ),
    "webhook_url_insecure": _(
        "The webhook URL must use https://. Plain http:// is allowed only on development installs."
    ),
    "webhook_url_private": _(
        "The webhook URL's host must have public addresses only: loopback, private, link-local, "
        "multicast and reserved addresses are refused."
    ),
    "webhook_url_unresolvable": _("The webhook URL's host name could not be resolved."),
    "webhook_events_invalid": _(
        "List the event types to receive, or [\"*\"] for all of them. Unknown: %(unknown)s."
    ),
}
