"""Every string of a notice (its Python words and its templates) has a Chinese translation, and
every kind renders in Chinese without an English sentence."""

from __future__ import annotations

from pathlib import Path

from prorata.i18n.catalogs import extract, load, po_path

APP = Path(__import__("prorata.notifications", fromlist=["x"]).__file__).resolve().parent


def _missing(app: Path) -> list[str]:
    catalog = load(po_path(app, "zh_Hans"))
    translated = {}
    for m in catalog:
        if m.id:
            key = m.id if isinstance(m.id, str) else m.id[0]
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            translated[key] = all(strings) and not m.fuzzy
    missing = []
    for m in extract(app):
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        if not translated.get(key):
            missing.append(key)
    return missing


def test_every_notice_string_has_a_chinese_translation():
    assert _missing(APP) == []


def test_the_check_finds_a_new_string_without_translation(tmp_path, monkeypatch):
    """The same check on a copy of the app with one new notice sentence: it must fail."""
    import shutil

    from prorata.i18n import catalogs

    monkeypatch.setattr(catalogs, "PACKAGE_DIR", tmp_path / "prorata")
    copy = tmp_path / "prorata" / "notifications"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    template = copy / "templates" / "notifications" / "email" / "notice.txt"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{{ footer }}", "{{ footer }} {% load i18n %}{% translate 'Reply to this e-mail to reach us.' %}"), encoding="utf-8")
    assert _missing(copy) == ["Reply to this e-mail to reach us."]
