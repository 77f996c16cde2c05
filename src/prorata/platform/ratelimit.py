"""Rate limits per API key: a fixed-window counter shared by every process through the database.

One statement per request, `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, increments the
key's counter for the current window atomically on SQLite (>= 3.35) and PostgreSQL alike.
A fixed window lets a client send up to twice the limit across a window boundary; that is
the usual trade for one row write per request instead of a log of timestamps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from .models import RateLimitWindow

_TABLE = RateLimitWindow._meta.db_table


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


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


def address_key(address: str | None) -> str:
    """The counter of a client address (hashed: an IPv6 address is longer than the column)."""
    import hashlib

    return "ip_" + hashlib.sha256((address or "unknown").encode()).hexdigest()[:37]


def rate_limit_hit(*, api_key_id: str, now: datetime, limits: tuple[int, int] | None = None) -> Verdict:
    """Count one request of `api_key_id` (or of an `address_key`) at wall-clock `now`; say
    whether it may go on."""
    limit, window_seconds = limits or limit_per_window()
    if limit <= 0:
        return Verdict(True, 0, 0, 0)
    stamp = now.timestamp()
    window = int(stamp // window_seconds)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A count lost in a crash costs nothing; not waiting for the WAL flush saves the
            # commit's fsync on every API request.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            f"INSERT INTO {_TABLE} (api_key_id, window_start, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (api_key_id, window_start) DO UPDATE SET count = {_TABLE}.count + 1 "
            "RETURNING count",
            [api_key_id, window],
        )
        count = int(cursor.fetchone()[0])
        if count == 1:
            # First request of a new window: forget this key's finished windows.
            cursor.execute(
                f"DELETE FROM {_TABLE} WHERE api_key_id = %s AND window_start < %s", [api_key_id, window]
            )
    if count <= limit:
        return Verdict(True, limit, limit - count, 0)
    retry_after = max(1, math.ceil((window + 1) * window_seconds - stamp))
    return Verdict(False, limit, 0, retry_after)
