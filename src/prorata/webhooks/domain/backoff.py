"""When a failed webhook delivery is tried again: exponential backoff, for up to three days.

The first attempt is made at once; after the n-th failure the next waits
min(5 s x 3^(n-1), 12 h): 5 s, 15 s, 45 s, 2 m 15 s, 6 m 45 s, 20 m, 1 h, 3 h, 9 h, then every
12 h. A delivery whose next attempt would fall more than three days after it was created is
given up (failed), so about 14 attempts are made over those three days.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_DELAY = timedelta(seconds=5)
FACTOR = 3
MAX_DELAY = timedelta(hours=12)
RETRY_FOR = timedelta(days=3)


def delay_after(failures: int) -> timedelta:
    """The wait after the `failures`-th failed attempt (failures >= 1)."""
    if failures < 1:
        raise ValueError("failures starts at 1")
    # Capped before exponentiation so that a large count cannot overflow timedelta.
    exponent = min(failures - 1, 20)
    return min(FIRST_DELAY * (FACTOR**exponent), MAX_DELAY)


def next_attempt_at(created_at: datetime, failed_at: datetime, failures: int) -> datetime | None:
    """When to try again after `failures` failed attempts, or None when retrying is over."""
    candidate = failed_at + delay_after(failures)
    if candidate > created_at + RETRY_FOR:
        return None
    return candidate


def schedule(created_at: datetime) -> list[datetime]:
    """Every attempt time of a delivery that always fails and is always tried on time."""
    times = [created_at]
    while True:
        following = next_attempt_at(created_at, times[-1], len(times))
        if following is None:
            return times
        times.append(following)
