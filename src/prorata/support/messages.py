"""Codes of the support domain (callback requests) and their messages."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "invalid_phone": _("“%(value)s” is not a phone number we can call. Include the country code, for example +1 206 555 0100."),
    "invalid_callback_language": _("We can call you in English (en) or Simplified Chinese (zh-Hans)."),
    "callback_already_claimed": _("A support engineer is already working on this callback request."),
    "callback_claimed_by_another": _("Another support engineer has claimed this callback request; only they can record its outcome."),
    "callback_already_resolved": _("This callback request has already been resolved."),
    "callback_not_claimed": _("Nobody has claimed this callback request, so there is nothing to give back."),
    "invalid_callback_outcome": _("“%(value)s” is not a callback outcome; use one of: %(choices)s."),
    "invalid_callback_status": _("“%(value)s” is not a callback request status; use one of: %(choices)s."),
    "callback_text_too_long": _("“%(field)s” can be at most %(max)s characters long."),
}
