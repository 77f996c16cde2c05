"""Tables of the web shell. Tables only."""

from django.db import models


class SignInFailure(models.Model):
    """One failed sign-in, kept for the throttle window (web.throttle) and then deleted.

    `account` is a hash of the e-mail typed, so that the table never lists who exists.
    """

    account = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "at"]), models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.account[:8]}… {self.at:%Y-%m-%d %H:%M}"
