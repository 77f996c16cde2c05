"""State the payment processors keep on our side. Tables only.

`SandboxOperation` is the sandbox processor's own ledger — what a real processor keeps in its
own systems: every charge and refund it was asked for, by idempotency key, and how often it was
asked. It is written by the processor in a transaction of its own, never in the caller's, so a
rolled-back caller cannot erase a charge that was made (as with a real processor).
"""

from django.db import models


class SandboxOperation(models.Model):
    # The caller's idempotency key: a second request with the same key replays the first answer.
    key = models.CharField(primary_key=True, max_length=200)
    kind = models.CharField(max_length=6)  # charge | refund
    token = models.CharField(max_length=100)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    failure_code = models.CharField(max_length=40, blank=True, default="")
    reference = models.CharField(max_length=60)
    # How many requests carried this key (1 unless a caller asked again with it).
    requests = models.PositiveIntegerField(default=1)
    # Wall-clock time: the processor knows nothing of test clocks.
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "key"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class StripeCustomer(models.Model):
    """The Stripe Customer of a tenant, created the first time the tenant needs one."""

    # The tenant's id (no foreign key: payments sits below the tenants package).
    tenant_id = models.CharField(primary_key=True, max_length=40)
    customer = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.customer}"


class StripeEvent(models.Model):
    """A Stripe webhook event, stored by its id so that a replay is processed once."""

    id = models.CharField(primary_key=True, max_length=100)
    type = models.CharField(max_length=100)
    # What processing it did ("" while nothing), for the operator reading the table.
    outcome = models.CharField(max_length=200, blank=True, default="")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"
