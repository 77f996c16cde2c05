"""Webhook endpoints, the event outbox and delivery attempts (platform guarantees issue).

An Event is written by `audit_record` in the same transaction as the change it reports, with one
Delivery per endpoint listening for it: the outbox. Workers claim due deliveries, POST them, and
record every attempt. Nothing here is sent before the change is committed.
"""

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prorata.core.ids import IdFactory


class WebhookEndpoint(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("we"), editable=False)
    # Null: a vendor-wide endpoint (made with an operator key) receiving every tenant's events.
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2000)
    # Event types, or ["*"] for every type.
    events = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True, default="")
    # The signing secret (whsec_...). Needed in clear to sign, so it is kept, shown once, never logged.
    secret = models.CharField(max_length=100)
    created_by = models.CharField(max_length=120)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "id"])]

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("evt"), editable=False)
    # (tenant, id) below serves lookups by tenant. Tenant and audit row are the audit row's own,
    # written with it (outbox): no database check, as AuditEvent.tenant.
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False,
                               db_constraint=False)
    type = models.CharField(max_length=60)
    # Business time of the change (the tenant's clock).
    created_at = models.DateTimeField()
    audit_event = models.OneToOneField("audit.AuditEvent", on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "id"]), models.Index(fields=["type", "id"])]

    def __str__(self) -> str:
        return f"{self.type} {self.pk}"

    @property
    def data(self) -> dict[str, Any]:
        """`{"object": …}`: the object after the change (before it, for a removal), read from the
        audit row. Audit rows are append-only, so every delivery of an event sends the same bytes;
        not copying them halves the JSON a change writes. Read events with
        `select_related("audit_event")`."""
        audit = self.audit_event
        return {"object": audit.after if audit.after is not None else audit.before}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One event to one endpoint. `next_attempt_at` doubles as the claim: a worker moves it a lease
    ahead before sending, so a crashed worker's delivery falls due again when the lease ends."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("whd"), editable=False)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Wall-clock time (real time, not a test clock): retries are about the receiver being up.
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_endpoint_and_event"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="whd_due_idx", condition=Q(status="pending")),
            models.Index(fields=["endpoint", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    webhook_timestamp = models.BigIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    duration_ms = models.PositiveIntegerField()
    succeeded = models.BooleanField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_row_per_number"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
