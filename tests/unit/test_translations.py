"""Every user-facing message exists in English and Simplified Chinese.

The catalogues are checked against a fresh extraction of the sources, so a string added to the
code without a translation fails here, not in front of a customer.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from prorata.i18n import catalogs
from prorata.i18n.messages import all_messages, message_for

APP_DIRS = catalogs.app_dirs()
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("app_dir", APP_DIRS, ids=[p.name for p in APP_DIRS])
def test_every_extracted_message_is_translated(app_dir):
    template = catalogs.extract(app_dir)
    wanted = [m for m in template if m.id]
    if not wanted:
        return
    path = catalogs.po_path(app_dir, "zh_Hans")
    assert path.exists(), f"{app_dir.name} has translatable messages but no zh_Hans catalogue"
    catalog = catalogs.load(path)
    missing = []
    for message in wanted:
        found = catalog.get(message.id, context=message.context)
        strings = () if found is None else (found.string if isinstance(found.string, tuple) else (found.string,))
        if found is None or found.fuzzy or not strings or not all(strings):
            missing.append(message.id)
    assert not missing, f"untranslated in {path}: {missing}"


@pytest.mark.parametrize("app_dir", APP_DIRS, ids=[p.name for p in APP_DIRS])
def test_translations_keep_their_placeholders(app_dir):
    path = catalogs.po_path(app_dir, "zh_Hans")
    if not path.exists():
        return
    for message in catalogs.load(path):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, f"{path}: {ids[0]!r} -> {string!r}"


def test_every_code_has_a_message_in_both_languages():
    codes = all_messages()
    assert "not_found" in codes
    untranslated = []
    for code in sorted(codes):
        english = message_for(code, language="en")
        chinese = message_for(code, language="zh-Hans")
        assert english, code
        if english == chinese:
            untranslated.append(code)
    assert not untranslated, f"codes without a Chinese message: {untranslated}"


def test_a_missing_translation_is_noticed(tmp_path):
    """The check above must be able to fail: an untranslated entry is reported."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="zh_Hans")
    catalog.add("Cancel subscription", "")
    catalog.add("Users", "用户")
    assert catalogs.untranslated(catalog) == ["Cancel subscription"]


def test_chinese_is_active_for_zh_hans():
    with translation.override("zh-hans"):
        assert translation.get_language() == "zh-hans"
    assert message_for("not_found", language="zh-Hans") != message_for("not_found", language="en")
