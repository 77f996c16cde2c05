"""The audit log: append-only, one row per change, written in the change's own transaction."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        db_index=False,  # (tenant, id) below serves it
        # An append-only log written by the change it records, in its transaction, with the tenant
        # of the changed object: no database check (the dearest part of writing a renewal,
        # docs/architecture.md, "Hot paths"). Deleting a tenant still deletes its rows (Django's
        # on_delete).
        db_constraint=False,
    )
    # Who: "user:<id>", "api_key:<id>", "system", with a readable label beside it.
    actor = models.CharField(max_length=120)
    actor_label = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    # For the actions that are webhook events, `after` (or `before`, for a removal) is the
    # object's public API schema, which the event sends as `data.object`; `details` holds the
    # facts of the action that are not the object's (who was assisted, which credit note, ...).
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    details = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    # Business time (the tenant's clock) and the wall time it was recorded.
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "id"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"
