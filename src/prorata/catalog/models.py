"""Catalog tables: what is sold and at what price and policy. No business logic here."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prorata.core.ids import IdFactory


class Interval(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class ProrationUnit(models.TextChoices):
    DAY = "day", _("Day")
    SECOND = "second", _("Second")


class CreditSettlement(models.TextChoices):
    NEXT_BILLING_CYCLE = "next_billing_cycle", _("Within the next billing cycle")
    REFUND_NOW = "refund_now", _("Refund at once")
    KEEP_AS_BALANCE = "keep_as_balance", _("Keep as account credit")


class Product(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("prod"), editable=False)
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # Names in other languages, keyed by language code ("zh-Hans").
    names = models.JSONField(default=dict, blank=True)
    # Products of one family may be changed between (Business Basic → Standard → E3); `tier`
    # orders them, higher is an upgrade. An empty family: only the product's own plans.
    family = models.SlugField(max_length=64, blank=True, default="", db_default="")
    tier = models.IntegerField(default=0, db_default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("plan"), editable=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="plans")
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(max_length=3)
    unit_amount = models.BigIntegerField(help_text=_("Price per license per interval, in minor units."))
    interval = models.CharField(max_length=5, choices=Interval.choices)
    trial_days = models.PositiveIntegerField(default=0)
    # Policy, SPEC §4. Null max means no limit on online cancellation.
    max_assigned_for_online_cancel = models.IntegerField(null=True, blank=True, default=24)
    cancel_window_hours = models.IntegerField(null=True, blank=True, default=None)
    proration_unit = models.CharField(max_length=6, choices=ProrationUnit.choices, default=ProrationUnit.DAY)
    credit_settlement = models.CharField(
        max_length=20, choices=CreditSettlement.choices, default=CreditSettlement.NEXT_BILLING_CYCLE
    )
    grace_days = models.PositiveIntegerField(default=30)
    disabled_days = models.PositiveIntegerField(default=90)
    # Seats a subscription of this plan may have (purchase, seat change, plan change).
    min_seats = models.PositiveIntegerField(default=1, db_default=1)
    max_seats = models.PositiveIntegerField(null=True, blank=True)
    # A retention offer shown before a cancel is confirmed: `discount` (percent off the next
    # periods) or `move` (to a cheaper plan at the period's end); empty = none.
    retention_offer = models.CharField(max_length=10, blank=True, default="", db_default="")
    retention_percent = models.PositiveSmallIntegerField(default=0, db_default=0)
    retention_periods = models.PositiveSmallIntegerField(default=0, db_default=0)
    retention_plan = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_amount__gte=0), name="plan_unit_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(max_assigned_for_online_cancel__isnull=True) | Q(max_assigned_for_online_cancel__gte=0),
                name="plan_max_assigned_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(cancel_window_hours__isnull=True) | Q(cancel_window_hours__gte=0),
                name="plan_cancel_window_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name
