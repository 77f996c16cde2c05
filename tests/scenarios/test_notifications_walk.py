"""Billing notices over a real SMTP server (aiosmtpd on 127.0.0.1): the scenario walk sends
exactly the expected messages, in both languages, with the PDF attached; an outage delays but
loses and duplicates nothing; a year's advance on a test clock sends twelve receipts."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest
from billing_scenario_helpers import advance, buy, make_plan, tenant_on_clock
from django.db.models import Q
from notification_walk import EN, ZH, Walk, run
from pypdf import PdfReader

from factories import make_user, utc
from prorata.billing.models import CreditNote, Invoice
from prorata.core.clock import system_clock
from prorata.notifications.delivery import send_due
from prorata.notifications.models import Notice, NoticeAttempt
from prorata.notifications.services import timed_notices_due

pytestmark = pytest.mark.django_db


def subjects(messages) -> list[tuple[str, str]]:
    # Python folds a long encoded subject onto the next line ("Subject: \n =?utf-8?…"): unfolded, a
    # leading space that readers ignore.
    return sorted((rcpt, str(m["Subject"]).strip()) for rcpt, m in messages)


def expected(walk: Walk) -> dict[str, list[tuple[str, str]]]:
    inv = [i.number for i in Invoice.objects.filter(subscription=walk.sub).order_by("period_start")]
    note = CreditNote.objects.get(subscription=walk.sub).number
    return {
        "trial day 8": [(EN, "Your Prorata Teams trial ends in 7 days"), (ZH, "您的 Prorata 团队版 试用将在 7 天后结束")],
        "conversion": [
            (EN, "Your Prorata Teams trial ends in 1 day"), (EN, f"Receipt for invoice {inv[0]}: $40.00"),
            (ZH, "您的 Prorata 团队版 试用将在 1 天后结束"), (ZH, f"发票 {inv[0]} 的收据：US$40.00"),
        ],
        "renewal": [(EN, f"Receipt for invoice {inv[1]}: $40.00"), (ZH, f"发票 {inv[1]} 的收据：US$40.00")],
        "decline": [
            (EN, f"Payment of $40.00 failed for invoice {inv[2]}"), (EN, "Prorata Teams is past due"),
            (ZH, f"发票 {inv[2]} 的 US$40.00 付款失败"), (ZH, "Prorata 团队版 已逾期未付"),
        ],
        "retry fails": [(EN, f"Payment of $40.00 failed for invoice {inv[2]}"), (ZH, f"发票 {inv[2]} 的 US$40.00 付款失败")],
        "retry succeeds": [(EN, f"Receipt for invoice {inv[2]}: $40.00"), (ZH, f"发票 {inv[2]} 的收据：US$40.00")],
        "cancel": [(EN, "Prorata Teams is cancelled"), (ZH, "Prorata 团队版 已取消")],
        "settlement": [
            (EN, f"Credit note {note} settled: $27.10"), (EN, "Refund of $27.10 sent"),
            (ZH, f"贷项通知单 {note} 已结算：US$27.10"), (ZH, "已退款 US$27.10"),
        ],
    }


def body(message, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return part.get_content()


def pdf_text(message) -> tuple[str, str]:
    [attachment] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    return attachment.get_filename(), "".join(page.extract_text() for page in reader.pages)


def test_the_walk_sends_exactly_the_expected_messages_in_both_languages(smtp_server):
    walk = Walk()
    got = run(walk, smtp_server)
    want = expected(walk)
    assert {name: subjects(msgs) for name, msgs in got.items()} == {name: sorted(w) for name, w in want.items()}

    # Every message has a text and an HTML part in its reader's language, from our sender.
    for msgs in got.values():
        for rcpt, m in msgs:
            assert m["From"] == "billing@prorata.test" and m["To"] == rcpt
            text, html = body(m, "plain"), body(m, "html")
            assert ("您好" in text) == (rcpt == ZH) and ("Hello," in text) == (rcpt == EN)
            assert "<html" in html and ('lang="zh-Hans"' in html) == (rcpt == ZH)

    # Receipts carry the invoice PDF, parseable, showing its number and amount.
    [(_, conv_en)] = [(r, m) for r, m in got["conversion"] if r == EN and "Receipt" in str(m["Subject"])]
    number = Invoice.objects.filter(subscription=walk.sub).order_by("period_start").first().number
    name, text = pdf_text(conv_en)
    assert name == f"invoice-{number}.pdf" and number in text and "$40.00" in text
    assert "Thank you. We received $40.00 for Prorata Teams." in body(conv_en, "plain")
    [(_, conv_zh)] = [(r, m) for r, m in got["conversion"] if r == ZH and "收据" in str(m["Subject"])]
    name, _text = pdf_text(conv_zh)
    assert name == f"invoice-{number}.pdf"
    assert "谢谢！我们已收到 Prorata 团队版 的款项 US$40.00。" in body(conv_zh, "plain")
    assert all(not list(m.iter_attachments()) for r, m in got["decline"])

    # The facts the notices state: the trial converts and why, the next attempt, the credit's date.
    [trial_en] = [m for r, m in got["trial day 8"] if r == EN]
    assert "On January 15, 2026 your trial converts to a paid subscription and $40.00 is charged" in body(trial_en, "plain")
    [failed_zh] = [m for r, m in got["decline"] if r == ZH and "付款失败" in str(m["Subject"])]
    assert "我们将于 2026年3月16日 再次尝试扣款" in body(failed_zh, "plain")
    [cancel_en] = [m for r, m in got["cancel"] if r == EN]
    assert "A credit of $27.10 for the unused part of the period is returned on April 15, 2026" in body(cancel_en, "plain")

    # One Message-ID per notice, one notice per (source, recipient, kind), each sent on its first attempt.
    ids = [m["Message-ID"] for msgs in got.values() for _, m in msgs]
    assert len(ids) == len(set(ids)) == Notice.objects.count() == 22
    assert set(Notice.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert NoticeAttempt.objects.filter(succeeded=True).count() == 22


def test_running_the_passes_and_the_sender_again_sends_nothing_twice(smtp_server):
    walk = Walk()
    run(walk, smtp_server)
    before = Notice.objects.count()
    advance(walk.clock, utc(2026, 4, 16))  # the same time again: a re-run pass
    assert timed_notices_due(as_of=utc(2026, 4, 16), tenant_q=Q(tenant_id=walk.tenant.pk)) == []
    send_due(now=system_clock.now() + timedelta(days=1))
    assert smtp_server.take() == []
    assert Notice.objects.count() == before


def test_an_smtp_outage_during_the_walk_delays_but_loses_and_duplicates_nothing(smtp_server):
    walk = Walk()

    def outage(step: str) -> None:
        if step == "renewal":
            smtp_server.stop()  # down from the renewal …
        if step == "retry succeeds":
            smtp_server.start()  # … until the retry succeeds
    got = run(walk, smtp_server, between=outage)
    want = expected(walk)
    # During the outage nothing arrives, and every notice waits with its failed attempt recorded.
    for step in ("renewal", "decline", "retry fails"):
        assert got[step] == []
    waiting = Notice.objects.filter(status="pending")
    assert waiting.count() == 8
    assert NoticeAttempt.objects.filter(succeeded=False).count() == 8
    assert all(n.last_error for n in waiting)
    # The next sweep after the backoff sends each of them once; later sweeps send nothing.
    send_due(now=system_clock.now() + timedelta(hours=1))
    late = smtp_server.take()
    send_due(now=system_clock.now() + timedelta(hours=2))
    assert smtp_server.take() == []
    delivered = [m for msgs in got.values() for m in msgs] + late
    assert Counter(subjects(delivered)) == Counter(s for w in want.values() for s in w)
    ids = [m["Message-ID"] for _, m in delivered]
    assert len(ids) == len(set(ids)) == 22
    assert set(Notice.objects.values_list("status", flat=True)) == {"sent"}
    # Each of the eight was tried once in vain and once with success.
    assert Notice.objects.filter(attempts=2).count() == 8


def test_an_smtp_server_refusing_mail_is_retried_with_backoff_and_every_attempt_recorded(smtp_server):
    clock, tenant = tenant_on_clock(utc(2026, 1, 1, 12))
    make_user(tenant, "global_admin", email="ga@example.test")
    buy(tenant, make_plan(unit_amount=500), 1)
    smtp_server.refusing = True
    now = system_clock.now()
    send_due(now=now)
    send_due(now=now + timedelta(seconds=31))
    [notice] = Notice.objects.filter(kind="receipt")
    attempts = list(notice.attempt_rows.values_list("number", "succeeded"))
    assert attempts == [(1, False), (2, False)]
    assert "451" in notice.last_error and notice.status == "pending"
    assert notice.next_attempt_at >= now + timedelta(seconds=31) + timedelta(minutes=1)
    smtp_server.refusing = False
    send_due(now=now + timedelta(minutes=5))
    [(rcpt, m)] = smtp_server.take()
    notice.refresh_from_db()
    assert (rcpt, notice.status, notice.attempts) == ("ga@example.test", "sent", 3)


def test_a_year_advance_on_a_test_clock_sends_twelve_receipts(smtp_server):
    clock, tenant = tenant_on_clock(utc(2026, 1, 1, 12))
    make_user(tenant, "global_admin", email="ga@example.test")
    buy(tenant, make_plan(unit_amount=999), 1)
    send_due()
    assert len(smtp_server.take()) == 1  # the purchase's receipt
    advance(clock, utc(2027, 1, 1, 12))
    send_due()
    got = smtp_server.take()
    assert len(got) == 12
    assert all(str(m["Subject"]).startswith("Receipt for invoice") and str(m["Subject"]).endswith("$9.99") for _, m in got)
    periods = sorted(Notice.objects.filter(kind="receipt").values_list("occurred_at", flat=True))
    assert periods[1:] == [utc(2026, month, 1, 12) for month in range(2, 13)] + [utc(2027, 1, 1, 12)]


def test_a_worker_that_crashed_holding_a_notice_leaves_it_to_the_next_once_its_lease_ends(smtp_server):
    from prorata.notifications import delivery

    clock, tenant = tenant_on_clock(utc(2026, 1, 1, 12))
    make_user(tenant, "global_admin", email="ga@example.test")
    buy(tenant, make_plan(unit_amount=500), 1)
    now = system_clock.now()
    picked, _lease = delivery._claim(now, 10, None)  # a worker claims it, then dies before sending
    assert len(picked) == 1
    assert send_due(now=now).claimed == 0  # another worker meanwhile: it is taken
    assert smtp_server.take() == []
    run = send_due(now=now + delivery.LEASE + timedelta(seconds=1))
    assert (run.claimed, run.sent) == (1, 1)
    assert len(smtp_server.take()) == 1
    assert send_due(now=now + timedelta(hours=1)).claimed == 0
