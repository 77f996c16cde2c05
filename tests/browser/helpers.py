"""What the browser walks check on every page: accessibility (axe-core), no English in the
Chinese pages, and screenshots kept among the test artefacts."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
SCREENSHOTS_FOR_README = ROOT / "docs" / "screenshots"
REQUIRED = os.environ.get("PRORATA_REQUIRE_BROWSER") == "1"


def missing(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (PRORATA_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def axe_check(pg) -> None:
    """Run axe-core in the page; fail on any violation, naming the rule and the elements."""
    if not AXE.exists():
        missing(f"{AXE} is missing: run `npm ci --prefix tests/browser`")
    # Evaluated through the DevTools protocol: the pages' Content-Security-Policy (scripts from
    # Prorata itself only) refuses an injected <script> tag, rightly.
    pg.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert not problems, f"accessibility violations on {pg.url}:\n" + "\n".join(problems)


def shot(pg, name: str, readme_name: str | None = None) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    if readme_name:
        SCREENSHOTS_FOR_README.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS_FOR_README / readme_name)
    return path


# Latin words allowed in the Chinese pages: names of things, not sentences.
LATIN_ALLOWED = {"Prorata", "English", "PDF", "CSV", "VISA", "USD", "US", "E1", "E3", "UTC", "GMT"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_ID = re.compile(r"\b[a-z]+_[0-9a-z]{10,}\b")
_NUMBER = re.compile(r"\b[A-Z]{2,5}-\d[\w-]*\b")  # invoice and credit note numbers
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


def english_words(text: str) -> list[str]:
    """Latin words in a text that are not e-mails, ids, document numbers or allowed names."""
    text = _NUMBER.sub(" ", _ID.sub(" ", _EMAIL.sub(" ", text)))
    return [w for w in _WORD.findall(text) if w not in LATIN_ALLOWED]


def assert_no_english(pg) -> None:
    text = pg.evaluate("() => document.body.innerText")
    title = pg.title()
    words = english_words(text + "\n" + title)
    assert not words, f"English on the Chinese page {pg.url}: {sorted(set(words))}"
