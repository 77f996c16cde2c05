"""Idempotency records and rate-limit counters. Tables only."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed for 24 hours.

    The row is committed as `in_progress` before the request runs, so that a concurrent request
    with the same key sees it and is refused instead of acting a second time.
    """

    api_key = models.ForeignKey("tenants.ApiKey", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    state = models.CharField(max_length=12, choices=IdempotencyState.choices, default=IdempotencyState.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True, default="")
    # Wall-clock times: replay lasts 24 real hours whatever a tenant's test clock says.
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="one_idempotency_record_per_key"),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.api_key_id}:{self.key}"


class RateLimitWindow(models.Model):
    """Requests of one API key in one fixed window (window_start = Unix time // window length).

    Incremented with one atomic upsert, so every process and machine shares the count.
    """

    api_key_id = models.CharField(max_length=40)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key_id", "window_start"], name="one_rate_window_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id}@{self.window_start}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of one worker process, written by its scheduler every cycle.

    `/readyz` is not ready when no worker has been seen recently (prorata.platform.health).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True, default="")
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["seen_at"])]

    def __str__(self) -> str:
        return self.worker_id
