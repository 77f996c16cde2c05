"""Every kind of notice is written by the product's own flows, and renders in both languages:
the Chinese one without an English sentence, each with its facts."""

from __future__ import annotations

import re

import pytest
from notice_stage import every_kind, sample_per_kind_and_language

from browser.helpers import english_words
from prorata.notifications.domain.kinds import KINDS
from prorata.notifications.render import render_notice

pytestmark = pytest.mark.django_db


def test_every_kind_is_written_and_renders_in_both_languages(smtp_server):
    every_kind(smtp_server)
    samples = sample_per_kind_and_language()
    assert {kind for kind, _ in samples} == set(KINDS)
    for (kind, language), notice in samples.items():
        email = render_notice(notice)
        assert email.subject and email.text and "<html" in email.html, kind
        if language == "zh-Hans":
            text = re.sub(r"https?://\S+", " ", email.subject + "\n" + email.text)
            names = {"Prorata", "Teams", "Desk", "Contoso", "Fabrikam", "Sam", "AP"}
            words = [w for w in english_words(text) if w not in names]
            assert words == [], f"{kind}: English in the Chinese notice: {words}\n{email.text}"
