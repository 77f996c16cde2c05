"""Callback requests ("Let us call you"). Tables only."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prorata.core.ids import IdFactory


class CallbackStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")


class CallbackOutcome(models.TextChoices):
    CANCELLED_ON_BEHALF = "cancelled_on_behalf", _("Cancelled on the customer's behalf")
    RESOLVED_OTHER = "resolved_other", _("Resolved another way")
    NO_ANSWER = "no_answer", _("No answer")
    WITHDRAWN = "withdrawn", _("Withdrawn by the customer")


class CallbackRequest(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("cb"), editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="callback_requests")
    subscription = models.ForeignKey("subscriptions.Subscription", on_delete=models.CASCADE, related_name="callback_requests")
    phone = models.CharField(max_length=20, help_text="E.164")
    language = models.CharField(max_length=8)
    preferred_time = models.CharField(max_length=100, blank=True, default="")
    note = models.TextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=CallbackStatus.choices, default=CallbackStatus.OPEN)
    requested_by = models.CharField(max_length=120)
    claimed_by = models.ForeignKey("tenants.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=CallbackOutcome.choices, blank=True, default="")
    resolution_note = models.TextField(blank=True, default="")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("callback request")
        verbose_name_plural = _("callback requests")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.id
