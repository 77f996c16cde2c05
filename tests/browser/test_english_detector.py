"""The check that fails the Chinese walk on English text must itself catch English."""

from __future__ import annotations

from browser.helpers import english_words


def test_english_sentences_are_caught():
    assert english_words("取消订阅 Cancel subscription 已分配") == ["Cancel", "subscription"]
    assert english_words("状态：Pending") == ["Pending"]


def test_names_addresses_ids_and_numbers_are_not_english_text():
    text = "王芳 admin@example-cn.test sub_01m8g52b280w0dvnkm01jvxjj8 INV-000001 CN-000002 US$557.14 企业办公套件 E3 Prorata English"
    assert english_words(text) == []
