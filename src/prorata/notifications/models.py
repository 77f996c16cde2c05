"""Billing notices: who receives them per tenant, every notice, and every attempt to send one.

A Notice is written in the transaction of the event it tells of (by the one writer,
`prorata.platform.writer`), or for time-driven notices by the billing pass; it is unique by
(tenant, source, recipient, kind), so a re-run pass or a replayed event writes nothing twice.
The worker sends it after commit and records each attempt.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prorata.core.ids import IdFactory


class NotificationSettings(models.Model):
    """A tenant's billing-notice recipients and muted kinds. No row: the defaults."""

    tenant = models.OneToOneField("tenants.Tenant", primary_key=True, on_delete=models.CASCADE, related_name="+")
    global_admins = models.BooleanField(_("Global admins"), default=True)
    billing_admins = models.BooleanField(_("Billing admins"), default=True)
    extra_addresses = models.JSONField(default=list, blank=True)
    # Optional kinds this tenant does not want (prorata.notifications.domain.kinds.OPTIONAL).
    muted_kinds = models.JSONField(default=list, blank=True)
    # "License assigned" goes to the user who got the license: off unless the tenant turns it on.
    license_notices = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"notification settings of {self.tenant_id}"


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notice(models.Model):
    """One e-mail of one kind to one address. `next_attempt_at` doubles as the claim, as for
    webhook deliveries: a worker moves it a lease ahead before sending."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("ntc"), editable=False)
    # Copied from the event (outbox): no database check, as webhooks.Event.tenant.
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False,
                               db_constraint=False)
    kind = models.CharField(max_length=32)
    # The event id, or for a time-driven notice its fact and date (`trial:<sub>:<trial end>`).
    source = models.CharField(max_length=120)
    event = models.ForeignKey("webhooks.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              db_constraint=False)
    subscription_id = models.CharField(max_length=40, blank=True, default="")
    recipient = models.EmailField(max_length=254)
    language = models.CharField(max_length=8)
    # Facts of a time-driven notice (no event to read them from), fixed when it fell due.
    facts = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    subject = models.CharField(max_length=300, blank=True, default="")
    # Business time it tells of (the tenant's clock); real time it was queued and sent.
    occurred_at = models.DateTimeField()
    queued_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source", "recipient", "kind"], name="one_notice_per_source_recipient_kind"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="ntc_due_idx", condition=Q(status="pending")),
            models.Index(fields=["tenant", "id"]),
            models.Index(fields=["subscription_id", "kind"], name="ntc_subscription_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"


class NoticeAttempt(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    succeeded = models.BooleanField()
    error = models.CharField(max_length=300, blank=True, default="")
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="one_notice_attempt_per_number"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} #{self.number}"
