"""core.ids: prefixed, time-ordered, unique identifiers."""

from __future__ import annotations

import re

import time_machine

from prorata.core.ids import IdFactory, new_id

ID_RE = re.compile(r"^sub_[0-9a-hjkmnp-tv-z]{26}$")


def test_new_id_shape() -> None:
    value = new_id("sub")
    assert ID_RE.match(value), value
    assert len(value) == len("sub_") + 26


def test_ids_are_unique() -> None:
    ids = {new_id("sub") for _ in range(10_000)}
    assert len(ids) == 10_000


def test_ids_sort_by_creation_time() -> None:
    with time_machine.travel("2026-01-01T00:00:00Z", tick=False):
        first = new_id("in")
    with time_machine.travel("2026-01-01T00:00:00.002Z", tick=False):
        second = new_id("in")
    with time_machine.travel("2031-06-01T00:00:00Z", tick=False):
        third = new_id("in")
    assert first < second < third
    # The first ten characters of the body are the milliseconds since the epoch.
    assert first[3:13] == "01kdvdna00"  # 1767225600000 ms in Crockford base32


def test_id_factory_makes_ids_and_deconstructs_for_migrations() -> None:
    factory = IdFactory("lic")
    assert factory().startswith("lic_")
    assert factory.deconstruct() == ("prorata.core.ids.IdFactory", ("lic",), {})
    assert IdFactory("lic") == factory
    assert IdFactory("sub") != factory
    assert hash(IdFactory("lic")) == hash(factory)
