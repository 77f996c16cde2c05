"""Every write of the notifications domain: a tenant's recipients and muted kinds, and the
time-driven notices (trial ending, card expiring, deletion soon) the billing pass makes due.

Event-driven notices are written by `derive.notices_for_events`, inside the one writer's flush.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat

from prorata.audit.services import audit_record
from prorata.core.actor import Actor
from prorata.core.clock import ensure_utc, system_clock
from prorata.core.errors import InvalidInput

from .derive import enqueue_after_commit, tenant_recipients
from .domain import kinds as K
from .models import Notice, NotificationSettings
from .selectors import settings_view

MAX_EXTRA_ADDRESSES = 20
EDITORS = ("global_admin", "billing_admin")


def _clean_addresses(addresses: list[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in addresses:
        value = str(raw).strip().lower()
        if not value:
            continue
        try:
            validate_email(value)
        except ValidationError:
            raise InvalidInput("notification_address_invalid", field="extra_addresses", value=str(raw)[:100],
                               details={"value": str(raw)[:100]}) from None
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_EXTRA_ADDRESSES:
        raise InvalidInput("notification_addresses_too_many", field="extra_addresses", max=MAX_EXTRA_ADDRESSES,
                           details={"max": MAX_EXTRA_ADDRESSES})
    return cleaned


def _clean_kinds(kinds: list[str]) -> list[str]:
    kinds = [str(k) for k in kinds]
    unknown = K.unknown_kinds(kinds)
    if unknown:
        raise InvalidInput("notification_kind_unknown", field="muted_kinds", unknown=", ".join(unknown[:10]),
                           details={"unknown": unknown[:10], "optional": sorted(K.OPTIONAL)})
    required = K.not_mutable(kinds)
    if required:
        raise InvalidInput("notification_kind_required", field="muted_kinds", kinds=", ".join(required),
                           details={"kinds": required, "optional": sorted(K.OPTIONAL)})
    return [k for k in K.KINDS if k in kinds]


def notification_settings_update(
    *, actor: Actor, tenant_id: str, global_admins: bool | None = None, billing_admins: bool | None = None,
    extra_addresses: list[str] | None = None, muted_kinds: list[str] | None = None, license_notices: bool | None = None,
) -> dict[str, Any]:
    """Change who receives a tenant's billing notices and which optional ones it mutes (fields
    left None keep their value). Global and billing admins of the tenant, and operators."""
    from prorata.tenants.models import Tenant
    from prorata.tenants.selectors import now_for, tenant_get
    from prorata.tenants.services.access import require_tenant_role

    tenant = tenant_get(actor=actor, tenant_id=tenant_id)
    require_tenant_role(actor, tenant, EDITORS)
    addresses = _clean_addresses(extra_addresses) if extra_addresses is not None else None
    kinds = _clean_kinds(muted_kinds) if muted_kinds is not None else None
    with transaction.atomic():
        Tenant.objects.select_for_update(no_key=True).filter(pk=tenant.pk).first()
        s = NotificationSettings.objects.filter(tenant_id=tenant.pk).first()
        before = settings_view(s, tenant.pk)
        if s is None:
            s = NotificationSettings(tenant_id=tenant.pk)
        if global_admins is not None:
            s.global_admins = global_admins
        if billing_admins is not None:
            s.billing_admins = billing_admins
        if addresses is not None:
            s.extra_addresses = addresses
        if kinds is not None:
            s.muted_kinds = kinds
        if license_notices is not None:
            s.license_notices = license_notices
        now = now_for(tenant)
        s.updated_at = now
        s.save()
        after = settings_view(s, tenant.pk)
        audit_record(actor=actor, action="notification_settings.updated", object_type="notification_settings",
                     object_id=tenant.pk, tenant_id=tenant.pk, at=now, before=before, after=after)
    return after


# -- time-driven notices ------------------------------------------------------------------------

def _insert(rows: list[dict[str, Any]]) -> list[str]:
    """Insert these notices, each unless it exists (the unique key decides); returns the new ids."""
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                notice = Notice.objects.create(**row)
        except IntegrityError:
            continue  # written by an earlier or a concurrent pass
        created.append(notice.pk)
    return created


def timed_notices_due(*, as_of: datetime, tenant_q: Q) -> list[str]:
    """Write the trial-ending, card-expiring and deletion notices due by `as_of` for the tenants
    of `tenant_q` (a billing pass's tenants, at its time); returns their ids, sent after commit.

    Each is unique by its fact and date (a trial's end, a card's expiry, a disabling), so a
    re-run pass, a second worker or a later advance writes none again. Called at the start of
    the pass, so a clock that jumps past a trial's end still tells of it first, and again at its
    end, for what its work made due. A clock jumping over a subscription's whole disabled period
    in one advance finds it deleted and sends no "deleted soon" (its "disabled" notice gave the date).
    """
    as_of = ensure_utc(as_of)
    rows: list[dict[str, Any]] = []
    rows += _subscription_rows(as_of, tenant_q)
    rows += _card_rows(as_of, tenant_q)
    if not rows:
        return []
    with transaction.atomic():
        ids = _insert(rows)
        enqueue_after_commit(ids)
    return ids


def _base(tenant_id: str, kind: str, source: str, sub_id: str, at: datetime, facts: dict[str, Any]) -> list[dict[str, Any]]:
    prefs = tenant_recipients({tenant_id})[tenant_id]
    if K.is_muted(kind, prefs.muted):
        return []
    now = system_clock.now()
    return [{"tenant_id": tenant_id, "kind": kind, "source": source, "subscription_id": sub_id, "recipient": r.email,
             "language": r.language, "facts": facts, "occurred_at": at, "queued_at": now, "next_attempt_at": now}
            for r in prefs.recipients]


def _subscription_rows(as_of: datetime, tenant_q: Q) -> list[dict[str, Any]]:
    """Trial-ending and deletion notices: one query for the subscriptions either may concern."""
    from django.apps import apps

    from prorata.tenants.models import PaymentMethod

    Subscription = apps.get_model("subscriptions", "Subscription")  # noqa: N806 - by name, as in render
    horizon = as_of + max(K.TRIAL_NOTICE_BEFORE.values())
    # Those already told drop out in SQL, so the batch always holds the ones still to tell.
    told_trial = Notice.objects.filter(tenant_id=OuterRef("tenant_id"), subscription_id=OuterRef("pk"),
                                       kind=K.TRIAL_ENDING_1D)
    told_deletion = Notice.objects.filter(tenant_id=OuterRef("tenant_id"), subscription_id=OuterRef("pk"),
                                          kind=K.DELETION_SOON, occurred_at__gt=OuterRef("status_changed_at"))
    trials = Q(status="trialing", trial_end__isnull=False, trial_end__lte=horizon) & ~Exists(told_trial)
    disabled = Q(status="disabled") & ~Exists(told_deletion)
    subs = Subscription.objects.filter(tenant_q).filter(trials | disabled).select_related("plan").order_by("id")
    rows: list[dict[str, Any]] = []
    for sub in subs[:1000]:
        if sub.status == "disabled":
            disabled_at = ensure_utc(sub.status_changed_at)
            deletes_on = disabled_at + timedelta(days=sub.plan.disabled_days)
            at = deletes_on - K.DELETION_NOTICE_BEFORE
            if at <= as_of and at > disabled_at:
                rows += _base(sub.tenant_id, K.DELETION_SOON, K.deletion_source(sub.pk, disabled_at), sub.pk, at,
                              {"subscription": sub.pk, "deletes_on": deletes_on.isoformat()})
            continue
        trial_end = ensure_utc(sub.trial_end)
        source = K.trial_source(sub.pk, trial_end)
        for kind, at in K.trial_notices_due(trial_end, as_of):
            if at < ensure_utc(sub.created_at):
                continue  # a trial shorter than the notice's lead time: only the later notice
            if Notice.objects.filter(tenant_id=sub.tenant_id, source=source, kind=kind).exists():
                continue
            has_card = PaymentMethod.objects.filter(tenant_id=sub.tenant_id, is_default=True).exists()
            if sub.canceled_at is not None:
                converts, reason = False, "cancelled"
            elif not sub.recurring_billing:
                converts, reason = False, "recurring_billing_off"
            elif not has_card:
                converts, reason = False, "no_payment_method"
            else:
                converts, reason = True, ""
            facts = {"subscription": sub.pk, "trial_end": trial_end.isoformat(), "converts": converts, "reason": reason,
                     "amount": sub.plan.unit_amount * sub.quantity, "currency": sub.plan.currency}
            rows += _base(sub.tenant_id, kind, source, sub.pk, at, facts)
    return rows


def _card_rows(as_of: datetime, tenant_q: Q) -> list[dict[str, Any]]:
    from zoneinfo import ZoneInfo

    from prorata.tenants.models import PaymentMethod

    rows: list[dict[str, Any]] = []
    # Only cards that pay (the default) and only tenants with a live subscription hear of it.
    told = Notice.objects.filter(tenant_id=OuterRef("tenant_id"), kind=K.PAYMENT_METHOD_EXPIRING,
                                 source=Concat(Value("card:"), OuterRef("pk")))
    cards = (PaymentMethod.objects.filter(tenant_q, is_default=True)
             .filter(Exists(_live_subscriptions())).filter(~Exists(told))
             .select_related("tenant").order_by("id"))
    horizon = as_of + K.PAYMENT_METHOD_NOTICE_BEFORE
    for pm in cards.filter(exp_year__lte=horizon.year)[:1000]:
        year, month = K.card_expiry(pm.exp_month, pm.exp_year)
        expires = datetime(year, month, 1, tzinfo=ZoneInfo(pm.tenant.timezone or "UTC"))
        at = expires - K.PAYMENT_METHOD_NOTICE_BEFORE
        if at > as_of or expires <= ensure_utc(pm.created_at):
            continue
        source = K.card_source(pm.pk)
        rows += _base(pm.tenant_id, K.PAYMENT_METHOD_EXPIRING, source, "", max(at, ensure_utc(pm.created_at)),
                      {"brand": pm.brand, "last4": pm.last4, "exp_month": pm.exp_month, "exp_year": pm.exp_year})
    return rows


def _live_subscriptions() -> Any:
    from django.apps import apps

    Subscription = apps.get_model("subscriptions", "Subscription")  # noqa: N806

    return Subscription.objects.filter(tenant_id=OuterRef("tenant_id"), status__in=("trialing", "active", "past_due"))
