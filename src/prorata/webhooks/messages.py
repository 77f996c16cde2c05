"""Error codes of webhook endpoints and their messages."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "webhook_url_invalid": _(
        "The webhook URL must be an absolute http:// or https:// URL with a host, at most 2000 characters."
    ),
    "webhook_events_invalid": _(
        "List the event types to receive, or [\"*\"] for all of them. Unknown: %(unknown)s."
    ),
}
