"""Public identifiers: a type prefix and a ULID-style body (time-ordered, 80 random bits).

Ids made by one process are strictly increasing, also within one millisecond (the random part
of a later id in the same millisecond is the previous one plus one, as ULID's monotonic mode),
so ordering by id follows creation order for `starting_after` pagination. Across processes
ids of one millisecond are unordered. The timestamp only orders ids; it is not business time
(that comes from a clock).
"""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_RAND_BITS = 80
_lock = threading.Lock()
_last = (0, 0)  # (milliseconds, random part) of the last id made by this process


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def _next_bodies(count: int) -> tuple[int, int]:
    """(milliseconds, first random part) for `count` consecutive ids, reserved for the caller."""
    global _last
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big") >> 1  # headroom: increments stay within 80 bits
    with _lock:
        last_millis, last_rand = _last
        if millis <= last_millis:
            millis, rand = last_millis, last_rand + 1
            if rand + count >= 1 << _RAND_BITS:
                millis, rand = last_millis + 1, 0
        _last = (millis, rand + count - 1)
    return millis, rand


def new_id(prefix: str) -> str:
    millis, rand = _next_bodies(1)
    return f"{prefix}_{_encode(millis, 10)}{_encode(rand, 16)}"


def new_ids(prefix: str, count: int) -> list[str]:
    """`count` ids of one prefix in increasing order, as `count` calls of `new_id` would make."""
    if count <= 0:
        return []
    millis, rand = _next_bodies(count)
    head = f"{prefix}_{_encode(millis, 10)}"
    return [head + _encode(rand + i, 16) for i in range(count)]


class IdFactory:
    """A field default that makes ids of one prefix; `deconstruct` lets migrations record it."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self) -> str:
        return new_id(self.prefix)

    def deconstruct(self) -> tuple[str, tuple[str], dict[str, str]]:
        return ("prorata.core.ids.IdFactory", (self.prefix,), {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdFactory) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)
