"""On a phone (390 × 844): tables scroll inside their frame instead of being cut off or widening
the page, Chinese headings do not break one character per line, and a 2,000-character note
without spaces wraps."""

from __future__ import annotations

import pytest

from browser.helpers import axe_check, shot
from browser.stage import build_stage
from browser.test_pages import sign_in
from prorata.support.services import callback_request_create
from prorata.web.actors import actor_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390


def _phone(chromium, live_server):
    return chromium.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True, base_url=live_server.url)


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_tables_scroll_inside_their_frame_and_chinese_keeps_words_whole(chromium, live_server, language):
    chinese = language == "zh-Hans"
    stage = build_stage(language=language, name="示例科技有限公司" if chinese else "Contoso Ltd",
                        email_domain=f"phone-{language.lower()}.test")
    context = _phone(chromium, live_server)
    pg = context.new_page()
    try:
        sign_in(pg, stage.admin.email)
        for name, path in [("users", "/users/"), ("bills", "/billing/bills/"), ("products", "/billing/products/")]:
            pg.goto(path)
            assert pg.evaluate("() => document.documentElement.scrollWidth") <= WIDTH, path
            frames = pg.evaluate("""() => [...document.querySelectorAll('.table-wrap')].map(w => ({
                right: w.getBoundingClientRect().right, overflow: getComputedStyle(w).overflowX}))""")
            assert frames, path
            for frame in frames:
                assert frame["right"] <= WIDTH and frame["overflow"] == "auto", (path, frame)
            # No header cell is squeezed to one character per line.
            tall = pg.evaluate("""() => [...document.querySelectorAll('th')].filter(th => {
                const lh = parseFloat(getComputedStyle(th).lineHeight) || 20;
                return th.textContent.trim().length > 1 && th.getBoundingClientRect().height > 2.5 * lh + 20;
            }).map(th => th.textContent.trim())""")
            assert not tall, (path, tall)
            axe_check(pg)
            shot(pg, f"phone-{language}-{name}")
    finally:
        context.close()


def test_a_long_note_without_spaces_wraps(chromium, live_server):
    stage = build_stage(email_domain="phone-note.test")
    cb = callback_request_create(actor=actor_for(stage.admin), subscription_id=stage.big.pk,
                                 phone="+14155550100", language="en", note="x" * 2000)
    context = _phone(chromium, live_server)
    pg = context.new_page()
    try:
        sign_in(pg, stage.admin.email)
        pg.goto(f"/support/requests/{cb.pk}/")
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
        shot(pg, "phone-en-long-note")
    finally:
        context.close()
