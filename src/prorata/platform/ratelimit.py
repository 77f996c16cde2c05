"""Rate limits per API key: fixed windows shared by every process through the database, taken
in leases so that most requests write nothing.

Each window's budget (`limit` requests per `window` seconds) lives in one database row. A
process does not count every request there: it takes a *lease* of several requests at once with
one atomic upsert (`INSERT ... ON CONFLICT DO UPDATE SET count = count + lease RETURNING count`,
the same on SQLite >= 3.35 and PostgreSQL), spends it from memory, and takes the next lease when
it runs out. A lease is cut to what is left of the window, so all processes and machines together
never serve more than `limit` requests in a window: the limit holds exactly, as before. What a
process leased and did not spend by the window's end is lost, so a client spreading its requests
over P processes right at the limit may be served up to P × (lease − 1) fewer; small limits
(the sign-in throttle's 5 and 10) have a lease of one and stay exact both ways.

Why the database and not a per-process bucket at limit / processes: with keep-alive a client's
connection stays on one process, so a per-process share would refuse a single connection at a
fraction of its limit; and the database is already shared by every process on every machine,
so no other service (Redis) is needed and `make run` on SQLite behaves the same.

A fixed window lets a client send up to twice the limit across a window boundary; that is the
usual trade for one row per key and window instead of a log of timestamps.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from .models import RateLimitWindow

_TABLE = RateLimitWindow._meta.db_table
_MAX_SLOTS = 10_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


@dataclass
class _Lease:
    """What this process may still serve of one key's window, without asking the database."""

    window: int
    left: int = 0
    spent: bool = False  # the window's whole budget is leased out: refuse until it ends
    remaining: int = 0  # the window's budget not yet leased by any process, as last seen


_lock = threading.Lock()
_leases: dict[tuple[str, int, int], _Lease] = {}


def limit_per_window() -> tuple[int, int]:
    """(requests, window seconds) from settings; requests <= 0 turns limiting off."""
    requests = int(getattr(settings, "PRORATA_RATE_LIMIT", 100))
    window = int(getattr(settings, "PRORATA_RATE_LIMIT_WINDOW", 1)) or 1
    return requests, max(window, 1)


def anonymous_limit_per_window() -> tuple[int, int]:
    """(requests, window seconds) for requests without a valid API key, per client address."""
    requests = int(getattr(settings, "PRORATA_ANONYMOUS_RATE_LIMIT", 60))
    window = int(getattr(settings, "PRORATA_ANONYMOUS_RATE_LIMIT_WINDOW", 60)) or 60
    return requests, max(window, 1)


def lease_size(limit: int) -> int:
    """Requests taken from the database at once: a 25th of the limit (4 of the default 100),
    at most `PRORATA_RATE_LIMIT_MAX_LEASE` (1000), at least one."""
    ceiling = int(getattr(settings, "PRORATA_RATE_LIMIT_MAX_LEASE", 1000))
    return max(1, min(limit // 25, ceiling))


def address_key(address: str | None) -> str:
    """The counter of a client address (hashed: an IPv6 address is longer than the column)."""
    return "ip_" + hashlib.sha256((address or "unknown").encode()).hexdigest()[:37]


def forget_leases() -> None:
    """Drop this process's leases (tests that move the wall clock back start afresh)."""
    with _lock:
        _leases.clear()


def _take(api_key_id: str, window: int, size: int, limit: int) -> tuple[int, int]:
    """Lease up to `size` requests of the window from the shared row: (granted, unleased left)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A count lost in a crash costs nothing; not waiting for the WAL flush saves the
            # commit's fsync on every lease.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            f"INSERT INTO {_TABLE} (api_key_id, window_start, count) VALUES (%s, %s, %s) "
            f"ON CONFLICT (api_key_id, window_start) DO UPDATE SET count = {_TABLE}.count + %s "
            "RETURNING count",
            [api_key_id, window, size, size],
        )
        count = int(cursor.fetchone()[0])
        if count == size:
            # First lease of a new window: forget this key's finished windows.
            cursor.execute(
                f"DELETE FROM {_TABLE} WHERE api_key_id = %s AND window_start < %s", [api_key_id, window]
            )
    before = count - size
    granted = max(0, min(size, limit - before))
    return granted, max(0, limit - count)


def rate_limit_hit(*, api_key_id: str, now: datetime, limits: tuple[int, int] | None = None) -> Verdict:
    """Count one request of `api_key_id` (or of an `address_key`) at wall-clock `now`; say
    whether it may go on."""
    limit, window_seconds = limits or limit_per_window()
    if limit <= 0:
        return Verdict(True, 0, 0, 0)
    stamp = now.timestamp()
    window = int(stamp // window_seconds)
    slot = (api_key_id, limit, window_seconds)
    with _lock:
        lease = _leases.get(slot)
        if lease is not None and lease.window == window and (lease.left > 0 or lease.spent):
            verdict = _spend(lease, limit, window, window_seconds, stamp)
            if verdict is not None:
                return verdict
    granted, remaining = _take(api_key_id, window, lease_size(limit), limit)
    with _lock:
        lease = _leases.get(slot)
        if lease is None or lease.window != window:
            if len(_leases) >= _MAX_SLOTS:
                for old in [s for s, held in _leases.items() if held.window < window] or list(_leases)[:1]:
                    _leases.pop(old, None)
            lease = _leases[slot] = _Lease(window)
        lease.left += granted
        lease.remaining = remaining
        lease.spent = remaining == 0
        verdict = _spend(lease, limit, window, window_seconds, stamp)
    return verdict or _refused(limit, window, window_seconds, stamp)


def _spend(lease: _Lease, limit: int, window: int, window_seconds: int, stamp: float) -> Verdict | None:
    if lease.left > 0:
        lease.left -= 1
        return Verdict(True, limit, lease.left + lease.remaining, 0)
    if lease.spent:
        return _refused(limit, window, window_seconds, stamp)
    return None


def _refused(limit: int, window: int, window_seconds: int, stamp: float) -> Verdict:
    retry_after = max(1, math.ceil((window + 1) * window_seconds - stamp))
    return Verdict(False, limit, 0, retry_after)
