"""A manual credit to a tenant's balance, by an operator: shown, confirmed, audited, once.

The balance is what the next invoices of the tenant draw on first (TenantCredit in invoices.py),
so a credit given here is money the tenant will not be charged, never cash paid out.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from prorata.pagination import usable_id

from ..models import ManualCredit

MAX_CREDIT = 10**12
REASON_MAX = 500
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_credit(amount: Any, reason: Any, key: Any) -> tuple[int, str, str]:
    if not _is_int(amount) or not 0 < amount <= MAX_CREDIT:
        raise InvalidInput("invalid_manual_credit", details={"field": "amount", "max": MAX_CREDIT})
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > REASON_MAX or "\x00" in text:
        raise InvalidInput("invalid_credit_reason", details={"field": "reason"}, max=REASON_MAX)
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidInput("invalid_credit_key", details={"field": "key"})
    return int(amount), text, key


def tenant_credit_add(*, actor: Actor, tenant_id: str, amount: int, reason: str, key: str) -> tuple[ManualCredit, bool]:
    """Add `amount` minor units of the tenant's currency to its credit balance; returns the credit
    and whether it was added now (False: this key was already used for the same credit, nothing
    more was added). The same key with another amount is refused (`credit_key_reused`)."""
    from prorata.tenants.models import Tenant
    from prorata.tenants.selectors import now_for

    if not (actor.is_operator or actor.kind == "system"):
        raise Forbidden("forbidden")
    amount, reason, key = clean_credit(amount, reason, key)
    with transaction.atomic():
        # The tenant's row is locked: the same key submitted twice at once is added once, and the
        # balance moves with no other writer in between.
        tenant = Tenant.objects.select_for_update(no_key=True).filter(pk=tenant_id).first() if usable_id(tenant_id) else None
        if tenant is None:
            raise NotFound("not_found", object="tenant", id=tenant_id)
        done = ManualCredit.objects.filter(tenant_id=tenant.pk, key=key).first()
        if done is not None:
            if done.amount != amount:
                raise Conflict("credit_key_reused")
            return done, False
        now = now_for(tenant)
        try:
            with transaction.atomic():
                credit = ManualCredit.objects.create(tenant=tenant, key=key, amount=amount, currency=tenant.currency,
                                                     reason=reason, created_by=actor.label or actor.id, created_at=now)
        except IntegrityError:
            raise Conflict("credit_key_reused") from None
        before = int(tenant.credit_balance)
        Tenant.objects.filter(pk=tenant.pk).update(credit_balance=F("credit_balance") + amount)
        audit_record(
            actor=actor, action="tenant.credited", object_type="tenant", object_id=tenant.pk, tenant_id=tenant.pk,
            at=now, before={"credit_balance": before}, after={"credit_balance": before + amount},
            details={"amount": amount, "currency": tenant.currency, "reason": reason, "key": key},
        )
    return credit, True
