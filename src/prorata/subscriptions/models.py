"""Subscriptions and their status history. Tables only; transitions live in prorata.core.transitions.."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prorata.core.ids import IdFactory


class Status(models.TextChoices):
    TRIALING = "trialing", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    EXPIRED = "expired", _("Expired")
    DISABLED = "disabled", _("Disabled")
    DELETED = "deleted", _("Deleted")


class Subscription(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("sub"), editable=False)
    # (tenant, status) below serves lookups by tenant.
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="subscriptions", db_index=False)
    plan = models.ForeignKey("catalog.Plan", on_delete=models.PROTECT, related_name="subscriptions")
    quantity = models.PositiveIntegerField()
    recurring_billing = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    # Every period boundary is computed from this anchor (core.periods), never chained.
    billing_anchor = models.DateTimeField()
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    trial_end = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField()
    canceled_at = models.DateTimeField(null=True, blank=True)
    canceled_by = models.CharField(max_length=120, blank=True, default="")
    cancel_reason = models.CharField(max_length=40, blank=True, default="")
    cancel_feedback = models.TextField(blank=True, default="")
    cancel_assisted = models.BooleanField(default=False)
    # When this subscription's next piece of billing work falls due (trial end, renewal, retry,
    # grace end, disabled end); null when nothing is scheduled. The billing pass reads this.
    next_action_at = models.DateTimeField(null=True, blank=True)
    payment_attempts = models.PositiveSmallIntegerField(default=0)
    # A plan change scheduled for the end of the current period (a downgrade or a new
    # interval): the renewal at that boundary bills the new plan and moves the subscription to it.
    # No index: nothing reads subscriptions by their scheduled plan, and the table is written by
    # every renewal (docs/architecture.md, "Indexes are write cost").
    scheduled_plan = models.ForeignKey("catalog.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                       db_index=False)
    scheduled_quantity = models.PositiveIntegerField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # An accepted retention offer: this percent off the next `discount_periods_left` renewals.
    discount_percent = models.PositiveSmallIntegerField(default=0, db_default=0)
    discount_periods_left = models.PositiveSmallIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["next_action_at"], name="sub_next_action_idx", condition=Q(next_action_at__isnull=False)),
            models.Index(fields=["tenant", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="subscription_quantity_positive"),
            models.CheckConstraint(
                condition=Q(current_period_end__gt=models.F("current_period_start")),
                name="subscription_period_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class StatusChange(models.Model):
    """One row per transition, written by the same transaction that made it."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    event = models.CharField(max_length=40)
    at = models.DateTimeField()
    actor = models.CharField(max_length=120)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} ({self.event})"


class RetentionOffer(models.Model):
    """A retention offer shown in the cancel flow (a plan's policy names it), and what became of it.

    At most one per subscription per year (checked under the subscription's row lock)."""

    class Kind(models.TextChoices):
        DISCOUNT = "discount", _("Discount")
        MOVE = "move", _("Move to a cheaper plan")

    class Outcome(models.TextChoices):
        SHOWN = "shown", _("Shown")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("ro"), editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="retention_offers")
    plan = models.ForeignKey("catalog.Plan", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    percent = models.PositiveSmallIntegerField(default=0)
    periods = models.PositiveSmallIntegerField(default=0)
    move_plan = models.ForeignKey("catalog.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SHOWN)
    shown_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "shown_at"])]

    def __str__(self) -> str:
        return self.id


class CancelAttempt(models.Model):
    """A blocked cancellation decision shown in the admin center (too many licenses, outside the
    window). How it ended is read from what followed (the cancellation report): cancelled online
    after users were removed, a callback asked for, or nothing (gave up)."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="cancel_attempts")
    code = models.CharField(max_length=40)
    assigned = models.PositiveIntegerField(default=0)
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "at"])]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.code}"
