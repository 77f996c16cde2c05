"""Invoices, payments, credit notes, refunds and the tenant's credit ledger. Tables only.

Every cent is traceable: an invoice's `credit_applied` is the sum of its CreditApplications;
a credit note's `applied_amount` + `refunded_amount` is what its applications and refunds say.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from prorata.core.ids import IdFactory


class InvoiceKind(models.TextChoices):
    # The charge for a whole period (purchase, trial conversion, renewal, reactivation).
    PERIOD = "period", _("Period")
    # A mid-period charge for added seats.
    PRORATION = "proration", _("Proration")
    # A plan change now: the old plan's unused time credited, the new plan's rest charged.
    CHANGE = "change", _("Plan change")


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")
    # An operator wrote the rest off: nothing more is collected on it.
    UNCOLLECTIBLE = "uncollectible", _("Uncollectible")


class LineKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    PRORATION = "proration", _("Proration")
    UNUSED_TIME = "unused_time", _("Unused time")
    DISCOUNT = "discount", _("Discount")
    CREDIT_APPLIED = "credit_applied", _("Credit applied")


class NumberSequence(models.Model):
    """Gap-free counters (invoice and credit note numbers), advanced under a row lock."""

    name = models.CharField(primary_key=True, max_length=40)
    next_value = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return str(self.name)


class Invoice(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("in"), editable=False)
    # (tenant, issued_at) below serves lookups by tenant.
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="invoices", db_index=False)
    subscription = models.ForeignKey("subscriptions.Subscription", on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=10, choices=InvoiceKind.choices)
    currency = models.CharField(max_length=3)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    issued_at = models.DateTimeField()
    status = models.CharField(max_length=13, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN)
    subtotal = models.BigIntegerField()
    credit_applied = models.BigIntegerField(default=0)
    total = models.BigIntegerField()
    amount_paid = models.BigIntegerField(default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    # A sent invoice (pay by invoice): when it must be paid; past it, unpaid, dunning begins.
    due_at = models.DateTimeField(null=True, blank=True)
    # When an operator voided it or marked it uncollectible.
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the cardholder disputed the payment at their bank (the processor told us); the
    # operator decides what follows, nothing changes by itself.
    disputed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "issued_at"])]
        constraints = [
            # At most one period invoice per (subscription, period start), ever.
            models.UniqueConstraint(
                fields=["tenant", "subscription", "period_start"],
                condition=Q(kind="period"),
                name="one_period_invoice_per_subscription_and_start",
            ),
            models.CheckConstraint(condition=Q(total=F("subtotal") - F("credit_applied")), name="invoice_total_is_subtotal_less_credit"),
            models.CheckConstraint(condition=Q(credit_applied__gte=0) & Q(total__gte=0), name="invoice_amounts_not_negative"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=F("total")), name="invoice_paid_within_total"),
        ]

    def __str__(self) -> str:
        return str(self.number)


class InvoiceLine(models.Model):
    # The invoice's tenant, copied for tenant-scoped reads. No database constraint: the invoice
    # (checked below) already ties the line to its tenant, and a foreign-key check is the dearest
    # part of writing a renewal (docs/architecture.md, "Hot paths").
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=15, choices=LineKind.choices)
    # In the tenant's language when issued; `translations` has it in every admin-center language
    # ({"en": …, "zh-Hans": …}), so that an invoice read or printed in Chinese has no English line.
    description = models.CharField(max_length=300)
    translations = models.JSONField(default=dict, blank=True, db_default={})
    quantity = models.IntegerField(default=1)
    unit_amount = models.BigIntegerField(default=0)
    # Signed: charges positive, credit applied negative. Each line rounded once.
    amount = models.BigIntegerField()
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.description)


class PaymentStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    # The card's bank asks the cardholder to confirm (3-D Secure); the invoice stays open.
    REQUIRES_ACTION = "requires_action", _("Needs confirmation")


class PaymentKind(models.TextChoices):
    CARD = "card", _("Card")
    # Money received by bank transfer for a sent invoice, recorded by an operator.
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class Payment(models.Model):
    """The answer to one charge attempt, unique by its business key (also the processor's
    idempotency key): subscription, period start and attempt number (billing.domain.renewal).

    `invoice` is empty for a refused checkout (a purchase, seat increase or reactivation whose
    charge was declined: nothing was created, but the attempt is on record).
    """

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("pay"), editable=False)
    # (tenant, key) below serves lookups by tenant. The invoice's tenant, with no database
    # constraint, as InvoiceLine.tenant.
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="payments", db_index=False,
                               db_constraint=False)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="payments")
    payment_method = models.ForeignKey("tenants.PaymentMethod", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=13, choices=PaymentKind.choices, default=PaymentKind.CARD,
                            db_default=PaymentKind.CARD)
    key = models.CharField(max_length=200)
    attempt = models.PositiveSmallIntegerField()
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices)
    failure_code = models.CharField(max_length=40, blank=True, default="")
    # The processor's reference of the charge (what a refund is made against).
    reference = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="one_payment_per_charge_key"),
        ]

    def __str__(self) -> str:
        return str(self.pk)


class CreditNoteReason(models.TextChoices):
    CANCELLATION_PRORATION = "cancellation_proration", _("Cancellation")
    SEAT_DECREASE_PRORATION = "seat_decrease_proration", _("Fewer licenses")


class CreditNoteStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SETTLED = "settled", _("Settled")


class CreditNote(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("cn"), editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="credit_notes")
    subscription = models.ForeignKey("subscriptions.Subscription", on_delete=models.CASCADE, related_name="credit_notes")
    # The invoice whose charge is (partly) given back.
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=32, unique=True)
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=30, choices=CreditNoteReason.choices)
    status = models.CharField(max_length=8, choices=CreditNoteStatus.choices, default=CreditNoteStatus.PENDING)
    settles_on = models.DateTimeField()
    applied_amount = models.BigIntegerField(default=0)
    refunded_amount = models.BigIntegerField(default=0)
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["settles_on"], name="cn_pending_due_idx", condition=Q(status="pending")),
            # The billing pass asks, per tenant, whether a note of its settles before some work.
            models.Index(fields=["tenant", "settles_on"], name="cn_pending_tenant_idx", condition=Q(status="pending")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="credit_note_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(applied_amount__gte=0) & Q(refunded_amount__gte=0)
                & Q(amount__gte=F("applied_amount") + F("refunded_amount")),
                name="credit_note_parts_within_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status="settled") | Q(amount=F("applied_amount") + F("refunded_amount")),
                name="settled_credit_note_fully_accounted",
            ),
        ]

    def __str__(self) -> str:
        return str(self.number)


class CreditApplicationKind(models.TextChoices):
    APPLIED = "applied", _("Applied")
    # An invoice voided or marked uncollectible gave the credit it had taken back to the balance.
    RETURNED = "returned", _("Returned to the balance")


class CreditApplication(models.Model):
    """Where a credit went: onto an invoice, or into the tenant's credit balance; or (`returned`)
    back from an invoice that will not be paid into the tenant's credit balance."""

    kind = models.CharField(max_length=8, choices=CreditApplicationKind.choices, default=CreditApplicationKind.APPLIED,
                            db_default=CreditApplicationKind.APPLIED)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    credit_note = models.ForeignKey(CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_applications")
    amount = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_application_positive"),
            models.CheckConstraint(
                condition=Q(credit_note__isnull=False) | Q(invoice__isnull=False), name="credit_application_has_a_side"
            ),
            models.CheckConstraint(
                condition=Q(kind="applied") | (Q(invoice__isnull=False) & Q(credit_note__isnull=True)),
                name="credit_returned_from_an_invoice",
            ),
            # An invoice gives its credit back once.
            models.UniqueConstraint(fields=["tenant", "invoice"], condition=Q(kind="returned"),
                                    name="one_credit_return_per_invoice"),
        ]

    def __str__(self) -> str:
        return str(f"{self.amount}")


class RefundStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """Money returned to the payment that paid, unique by (credit note, payment): its key
    `<credit note>/<payment>` is the processor's idempotency key."""

    id = models.CharField(primary_key=True, max_length=40, default=IdFactory("re"), editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="refunds")
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    payment_method = models.ForeignKey("tenants.PaymentMethod", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=RefundStatus.choices, default=RefundStatus.SUCCEEDED)
    reference = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive"),
            models.UniqueConstraint(fields=["tenant", "credit_note", "payment"], name="one_refund_per_credit_note_and_payment"),
        ]

    def __str__(self) -> str:
        return str(self.pk)


class GatewayCallKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")


class GatewayCall(models.Model):
    """A call to the payment processor, recorded and committed before it is made.

    The row lives from just before the call until the transaction that writes the call's
    outcome (the payment or refund, the invoice, the subscription) deletes it. A row still here
    after its lease is a call whose outcome was lost (a crash, a rollback, a timeout): the next
    pass or `prorata payments reconcile` asks the processor what became of `key` and writes the
    outcome, instead of charging again. While a subscription has a call here, nothing else
    changes it (`payment_in_progress`).
    """

    key = models.CharField(primary_key=True, max_length=200)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    kind = models.CharField(max_length=6, choices=GatewayCallKind.choices)
    # What the money is for (billing.domain.renewal's purposes, or "settlement" for a refund).
    purpose = models.CharField(max_length=20)
    # The subscription it is for (also of a purchase, whose subscription is created on success).
    subscription_id = models.CharField(max_length=40, blank=True, default="", db_index=True)
    credit_note_id = models.CharField(max_length=40, blank=True, default="")
    payment_id = models.CharField(max_length=40, blank=True, default="")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    payment_method_id = models.CharField(max_length=40, blank=True, default="")
    token = models.CharField(max_length=100)
    charge_reference = models.CharField(max_length=100, blank=True, default="")
    # Everything needed to write the outcome without planning again (billing.domain.renewal.Plan
    # and, for a checkout, what the request asked for).
    plan = models.JSONField(encoder=DjangoJSONEncoder)
    # Real time: until then the process that recorded the call owns it.
    lease_until = models.DateTimeField(db_index=True)
    # Business time of the work.
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "key"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="one_gateway_call_per_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class ManualCredit(models.Model):
    """Credit an operator added to a tenant's balance by hand (a goodwill gesture, a correction).

    Identified by the tenant and a business key chosen when the review page was shown, so that a
    second submit of the same confirmation adds nothing: the second insert meets the first row.
    """

    pk = models.CompositePrimaryKey("tenant", "key")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="manual_credits")
    key = models.CharField(max_length=64)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=500)
    # Who added it (the actor's id and label as the audit row has them).
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="manual_credit_positive")]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.key}"
