"""Sending notices: claim due ones, render, send through Django's e-mail framework, record
every attempt, back off on failure.

As webhook deliveries (prorata.webhooks.delivery): a claim is a lease on `next_attempt_at`
(`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional update on SQLite), no database
lock is held while talking to the SMTP server, and the outcome is written only while the lease
is still ours. A worker that dies after the server accepted a message but before recording it
leaves the notice to be sent again when the lease ends; the Message-ID is the notice's own, so
that copy is recognisably the same message.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction

from prorata.core.clock import system_clock

from .domain import kinds as K
from .models import Notice, NoticeAttempt, NoticeStatus

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)


@dataclass
class SendRun:
    claimed: int = 0
    sent: int = 0
    failed_attempts: int = 0
    given_up: int = 0


def message_id(notice_id: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "prorata"
    return f"<{notice_id}@{domain}>"


def _claim(now: datetime, limit: int, notice_ids: list[str] | None) -> tuple[list[str], datetime]:
    lease = now + LEASE
    due = Notice.objects.filter(status=NoticeStatus.PENDING, next_attempt_at__lte=now)
    if notice_ids is not None:
        due = due.filter(pk__in=notice_ids)
    due = due.order_by("next_attempt_at", "id")
    if connection.vendor == "postgresql":
        with transaction.atomic():
            picked = list(due.select_for_update(no_key=True, skip_locked=True).values_list("pk", flat=True)[:limit])
            Notice.objects.filter(pk__in=picked).update(next_attempt_at=lease)
        return picked, lease
    picked = []
    for pk, at in list(due.values_list("pk", "next_attempt_at")[:limit]):
        if Notice.objects.filter(pk=pk, status=NoticeStatus.PENDING, next_attempt_at=at).update(next_attempt_at=lease):
            picked.append(pk)
    return picked, lease


def _send(notice: Notice, mail_connection) -> str:  # type: ignore[no-untyped-def]
    """Render and send once; returns the subject. Raises whatever the transport raises."""
    from .render import render_notice

    email = render_notice(notice)
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[notice.recipient],
        headers={"Message-ID": message_id(notice.pk), "X-Prorata-Notice": notice.pk, "X-Prorata-Kind": notice.kind},
        connection=mail_connection,
    )
    message.attach_alternative(email.html, "text/html")
    for name, data, mimetype in email.attachments:
        message.attach(name, data, mimetype)
    message.send(fail_silently=False)
    return email.subject


def _attempt(notice_id: str, lease: datetime, now: datetime, run: SendRun, mail_connection) -> None:  # type: ignore[no-untyped-def]
    notice = Notice.objects.select_related("event__audit_event").filter(pk=notice_id).first()
    if notice is None:
        return
    started = time.monotonic()
    error = ""
    subject = notice.subject
    try:
        subject = _send(notice, mail_connection)
    except Exception as exc:  # any transport or rendering failure is a failed attempt, retried
        error = f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
        try:
            # A failed send may leave the connection broken: the next notice opens a new one.
            mail_connection.close()
        except Exception:
            log.debug("closing the mail connection failed", exc_info=True)
        log.warning("notice %s to %s not sent: %s", notice.pk, notice.recipient, error)
    duration = int((time.monotonic() - started) * 1000)
    number = notice.attempts + 1
    changes: dict = {"attempts": number, "last_error": error, "subject": subject[:300]}
    if not error:
        changes.update(status=NoticeStatus.SENT, sent_at=now, next_attempt_at=None)
    else:
        following = K.next_attempt_at(notice.queued_at, now, number)
        changes.update(next_attempt_at=following) if following else changes.update(status=NoticeStatus.FAILED,
                                                                                     next_attempt_at=None)
    with transaction.atomic():
        owned = Notice.objects.filter(pk=notice.pk, status=NoticeStatus.PENDING, next_attempt_at=lease).update(**changes)
        if not owned:
            log.warning("notice %s: lease lost before its attempt was recorded", notice.pk)
            return
        NoticeAttempt.objects.create(notice_id=notice.pk, number=number, attempted_at=now, succeeded=not error,
                                     error=error, duration_ms=duration)
    if error:
        run.failed_attempts += 1
        if changes.get("status") == NoticeStatus.FAILED:
            run.given_up += 1
    else:
        run.sent += 1


def send_due(now: datetime | None = None, limit: int = 100, notice_ids: list[str] | None = None) -> SendRun:
    """Claim up to `limit` notices due at `now` (default: real time) and try each once.

    Safe in any number of workers at once: each notice is claimed by one. One SMTP connection
    serves the batch; a failure is recorded on the notice it happened to.
    """
    now = now or system_clock.now()
    run = SendRun()
    if limit <= 0:
        return run
    picked, lease = _claim(now, limit, notice_ids)
    run.claimed = len(picked)
    if not picked:
        return run
    mail_connection = get_connection(fail_silently=False)
    try:
        for notice_id in picked:
            _attempt(notice_id, lease, now, run, mail_connection)
    finally:
        try:
            mail_connection.close()
        except Exception:
            log.debug("closing the mail connection failed", exc_info=True)
    return run


def enqueue_notices(notice_ids: list[str]) -> None:
    """After commit: hand fresh notices to the worker. A lost hand-over is caught by the sweep."""
    from .tasks import send_notices

    try:
        send_notices.enqueue(notice_ids=notice_ids)
    except Exception:
        log.warning("could not enqueue %d notices; the sweep will send them", len(notice_ids), exc_info=True)


def enqueue_sweep_soon() -> None:
    from .tasks import enqueue_sweep

    try:
        enqueue_sweep()
    except Exception:
        log.warning("could not enqueue a notice sweep; the worker's next cycle will", exc_info=True)
