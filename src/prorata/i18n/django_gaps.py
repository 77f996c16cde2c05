"""Django's own messages that its Simplified Chinese catalogue lacks, so that they are extracted
into ours and translated. Django 5.2 changed the minimum-length message's placeholder from
%(min_length)d to %d; its zh_Hans catalogue has only the old one, so the reset page said
"This password is too short" in English on a Chinese page. Remove an entry once Django ships it."""

from django.utils.translation import ngettext_lazy

GAPS = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
)
