"""Public identifiers: a type prefix and a ULID-style body (time-ordered, 80 random bits).

Ids made by one process are strictly increasing, also within one millisecond (the random part
of a later id in the same millisecond is the previous one plus one, as ULID's monotonic mode),
so ordering by id follows creation order for `starting_after` pagination. Across processes
ids of one millisecond are unordered. The timestamp only orders ids; it is not business time
(that comes from a clock).
"""

from __future__ import annotations

import base64
import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_RAND_BITS = 80
_lock = threading.Lock()
_last = (0, 0)  # (milliseconds, random part) of the last id made by this process


_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def _body(millis: int, rand: int) -> str:
    """The 26 characters of (48-bit milliseconds, 80 random bits): 130 bits, five to a character,
    by the C base32 encoder (shifted by 6 bits to fill 17 bytes; the first 26 characters are ours)."""
    value = ((millis & ((1 << 50) - 1)) << _RAND_BITS | rand) << 6
    return base64.b32encode(value.to_bytes(17, "big"))[:26].translate(_CROCKFORD).decode("ascii")


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
    return f"{prefix}_{_body(millis, rand)}"


_LOW_BITS = 15  # the last three characters
_LOW = [a + b + c for a in _ALPHABET for b in _ALPHABET for c in _ALPHABET]


def new_ids(prefix: str, count: int) -> list[str]:
    """`count` ids of one prefix in increasing order, as `count` calls of `new_id` would make.

    Consecutive ids differ only in their last characters: the rest is encoded once per run of
    2**15, the last three characters are looked up (a billing batch makes tens of thousands)."""
    if count <= 0:
        return []
    millis, rand = _next_bodies(count)
    out: list[str] = []
    value, end = rand, rand + count
    while value < end:
        high = value >> _LOW_BITS
        stop = min(end, (high + 1) << _LOW_BITS)
        head = f"{prefix}_{_body(millis, high << _LOW_BITS)[:23]}"
        low = value & ((1 << _LOW_BITS) - 1)
        out.extend(head + t for t in _LOW[low:low + (stop - value)])
        value = stop
    return out


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
