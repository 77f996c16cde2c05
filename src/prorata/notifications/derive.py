"""Notices from events, in the transaction of the event (called by the one writer's flush).

Why here rather than a worker scanning new events behind a cursor: event ids are ordered by the
process that made them, not by commit, so a cursor can pass an event whose transaction commits
later and miss it. Written with the event, a notice exists exactly when its event does, and the
unique key (tenant, source = event id, recipient, kind) makes a replay write nothing. Sending
happens after commit (`enqueue_after_commit`); the worker's sweep catches a lost hand-over.

Cost: for a flush whose events make notices, one query for the settings and one for the admins
of the tenants involved (with their tenant's language), then one bulk insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from prorata.core.clock import system_clock
from prorata.core.ids import new_ids

from .domain import kinds as K
from .domain.kinds import Recipient


@dataclass(slots=True)
class EventFacts:
    event_id: str
    tenant_id: str | None
    type: str
    at: datetime
    object: dict[str, Any] | None
    details: dict[str, Any] | None


@dataclass(slots=True)
class TenantPrefs:
    recipients: list[Recipient]
    muted: list[str]
    language: str
    license_notices: bool


def tenant_recipients(tenant_ids: set[str]) -> dict[str, TenantPrefs]:
    """For each tenant: its billing recipients, muted kinds, language, license notices on/off."""
    from prorata.tenants.models import Tenant, User

    from .models import NotificationSettings

    if not tenant_ids:
        return {}
    settings = {s.tenant_id: s for s in NotificationSettings.objects.filter(tenant_id__in=tenant_ids)}
    admins: dict[str, list[tuple[str, str, str]]] = {}
    languages: dict[str, str] = {}
    for tenant_id, email, role, language, tenant_language in (
        User.objects.filter(tenant_id__in=tenant_ids, is_active=True, role__in=("global_admin", "billing_admin"))
        .order_by("id").values_list("tenant_id", "email", "role", "language", "tenant__language")
    ):
        admins.setdefault(tenant_id, []).append((email, role, language))
        languages[tenant_id] = tenant_language
    # Tenants whose only recipients are extra addresses: their language is read on its own.
    unknown = {t for t, s in settings.items() if s.extra_addresses and t not in languages}
    if unknown:
        languages.update(Tenant.objects.filter(pk__in=unknown).values_list("id", "language"))
    out = {}
    for tenant_id in tenant_ids:
        s = settings.get(tenant_id)
        language = languages.get(tenant_id, "en")
        recipients = K.billing_recipients(
            admins=admins.get(tenant_id, []), global_admins=s.global_admins if s else True,
            billing_admins=s.billing_admins if s else True, extra=list(s.extra_addresses or []) if s else [],
            tenant_language=language,
        )
        out[tenant_id] = TenantPrefs(recipients, list(s.muted_kinds or []) if s else [], language,
                                     bool(s and s.license_notices))
    return out


def _people(user_ids: set[str]) -> dict[str, tuple[str, str]]:
    from prorata.tenants.models import User

    if not user_ids:
        return {}
    return {pk: (email, language) for pk, email, language in User.objects.filter(pk__in=user_ids, is_active=True)
            .values_list("id", "email", "language")}


def _subscription_of(facts: EventFacts) -> str:
    obj = facts.object or {}
    if facts.type.startswith("subscription."):
        return str(obj.get("id", ""))
    return str(obj.get("subscription", "") or "")


def notices_for_events(events: Sequence[EventFacts]) -> list[str]:
    """Write the notices these just-written events make; returns their ids (sent after commit)."""
    from prorata.platform import bulk

    from .models import Notice

    wanted = [(e, kind) for e in events if e.tenant_id and (kind := K.kind_for_event(e.type, e.details))]
    if not wanted:
        return []
    by_tenant = tenant_recipients({e.tenant_id for e, _ in wanted if e.tenant_id})
    user_refs: set[str] = set()
    for e, kind in wanted:
        obj = e.object or {}
        if kind in K.TO_LICENSEE and obj.get("user"):
            user_refs.add(str(obj["user"]))
        if kind in K.TO_REQUESTER and str(obj.get("requested_by", "")).startswith("user:"):
            user_refs.add(str(obj["requested_by"]).split(":", 1)[1])
    people = _people(user_refs)
    rows = []
    for e, kind in wanted:
        assert e.tenant_id is not None
        prefs = by_tenant[e.tenant_id]
        recipients, tenant_language = prefs.recipients, prefs.language
        if (kind == K.LICENSE_ASSIGNED and not prefs.license_notices) or K.is_muted(kind, prefs.muted):
            continue
        obj = e.object or {}
        targets = recipients
        if kind in K.TO_LICENSEE:
            person = people.get(str(obj.get("user", "")))
            targets = [Recipient(person[0], K.language_of(person[1], tenant_language))] if person else []
        elif kind in K.TO_REQUESTER:
            ref = str(obj.get("requested_by", ""))
            person = people.get(ref.split(":", 1)[1]) if ref.startswith("user:") else None
            # Asked through an API key: nobody in person, so the billing recipients hear of it.
            targets = [Recipient(person[0], K.language_of(person[1], tenant_language))] if person else recipients
        for r in targets:
            rows.append((e.tenant_id, kind, e.event_id, e.event_id, _subscription_of(e), r.email, r.language, e.at))
    if not rows:
        return []
    now = system_clock.now()
    ids = new_ids("ntc", len(rows))
    bulk.insert_rows(Notice, ["id", "tenant", "kind", "source", "event", "subscription_id", "recipient", "language",
                              "status", "attempts", "next_attempt_at", "last_error", "subject", "occurred_at",
                              "queued_at"],
                     [(i, t, k, src, ev, sub, rcpt, lang, "pending", 0, now, "", "", at, now)
                      for i, (t, k, src, ev, sub, rcpt, lang, at) in zip(ids, rows, strict=True)])
    enqueue_after_commit(ids)
    return ids


def enqueue_after_commit(notice_ids: Sequence[str]) -> None:
    from .delivery import enqueue_notices, enqueue_sweep_soon

    if len(notice_ids) > 1000:  # a billing batch: one sweep, not a task per hundred
        transaction.on_commit(enqueue_sweep_soon)
        return
    for start in range(0, len(notice_ids), 100):
        chunk = list(notice_ids[start:start + 100])
        transaction.on_commit(lambda chunk=chunk: enqueue_notices(chunk))
