"""The HTML notices rendered in Chromium, in English and in Chinese: a screenshot of each kind
among the test artefacts (test-artifacts/browser/notices/), and each readable (its heading and
its action shown, the Chinese one in Chinese)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scenarios"))

from notice_stage import every_kind, sample_per_kind_and_language  # noqa: E402

from browser.helpers import ARTIFACTS, english_words  # noqa: E402
from prorata.notifications.domain.kinds import KINDS  # noqa: E402
from prorata.notifications.render import render_notice  # noqa: E402

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
NAMES = {"Prorata", "Teams", "Desk", "Contoso", "Fabrikam", "Sam", "AP", "VISA", "US"}


def test_every_html_notice_in_both_languages_is_screenshotted_in_chromium(chromium, smtp_server):
    every_kind(smtp_server)
    samples = sample_per_kind_and_language()
    assert {kind for kind, _ in samples} == set(KINDS)
    out = ARTIFACTS / "notices"
    out.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 720, "height": 900})
    # An e-mail loads nothing from anywhere: any request fails the test.
    requests: list[str] = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    pg = context.new_page()
    try:
        for (kind, language), notice in sorted(samples.items()):
            email = render_notice(notice)
            pg.set_content(email.html)
            heading = pg.locator("h1").inner_text()
            assert heading.strip(), kind
            assert pg.title() == email.subject
            visible = pg.locator("body").inner_text()
            if language == "zh-Hans":
                words = [w for w in english_words(visible) if w not in NAMES]
                assert words == [], f"{kind}: English on the Chinese notice: {words}"
            path = out / f"{kind}-{language}.png"
            pg.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 5000
    finally:
        context.close()
    assert requests == []
    assert len(list(out.glob("*.png"))) >= 2 * len(KINDS)
