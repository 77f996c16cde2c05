"""core.ids: prefixed, time-ordered, unique identifiers."""

from __future__ import annotations

import re

import time_machine

from prorata.core.ids import IdFactory, new_id, new_ids

ID_RE = re.compile(r"^sub_[0-9a-hjkmnp-tv-z]{26}$")


def test_new_id_shape() -> None:
    value = new_id("sub")
    assert ID_RE.match(value), value
    assert len(value) == len("sub_") + 26


def test_ids_are_unique() -> None:
    ids = {new_id("sub") for _ in range(10_000)}
    assert len(ids) == 10_000


def test_ids_sort_by_creation_time(monkeypatch) -> None:
    from prorata.core import ids

    monkeypatch.setattr(ids, "_last", (0, 0))  # this process's earlier ids are from the real clock
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


def test_ids_of_one_millisecond_are_strictly_increasing() -> None:
    with time_machine.travel("2026-01-01T00:00:00Z", tick=False):
        made = [new_id("evt") for _ in range(1000)]
        batch = new_ids("evt", 500)
    assert made == sorted(made) and len(set(made)) == 1000
    assert batch == sorted(batch) and batch[0] > made[-1]
    assert {len(i) for i in made + batch} == {len("evt_") + 26}


def test_a_clock_stepping_back_does_not_make_smaller_ids() -> None:
    with time_machine.travel("2026-01-01T00:00:01Z", tick=False):
        later = new_id("in")
    with time_machine.travel("2026-01-01T00:00:00Z", tick=False):
        earlier_clock = new_id("in")
    assert earlier_clock > later


def _reference(value: int, length: int) -> str:
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    return "".join(alphabet[(value >> (5 * (length - 1 - i))) & 31] for i in range(length))


def test_the_body_is_ten_characters_of_milliseconds_then_sixteen_of_randomness() -> None:
    import random

    from prorata.core.ids import _body

    rng = random.Random(3)
    for millis, rand in [(0, 0), (1767225600000, (1 << 80) - 1)] + [(rng.randrange(1 << 48), rng.randrange(1 << 80)) for _ in range(2000)]:
        assert _body(millis, rand) == _reference(millis, 10) + _reference(rand, 16)


def test_a_run_of_ids_is_what_one_at_a_time_would_make(monkeypatch) -> None:
    from prorata.core import ids

    for start in (0, (1 << 15) - 5, (1 << 80) - 70_000):
        monkeypatch.setattr(ids, "_next_bodies", lambda count, start=start: (1767225600000, start))
        many = ids.new_ids("evt", 70_000)
        assert many == [f"evt_{ids._body(1767225600000, start + i)}" for i in range(70_000)]
