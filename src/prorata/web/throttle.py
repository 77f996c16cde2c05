"""Sign-in throttling: after repeated failures an account (or an address) must wait.

Failures are rows in the database, so every web process of an install sees the same count.
Wall-clock time is right here: this protects the sign-in form, it is not business time.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from prorata.core.clock import system_clock

from .models import SignInFailure

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


def account_key(email: str) -> str:
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


def wait_minutes(email: str, ip: str | None, now: datetime | None = None) -> int:
    """Minutes to wait before the next try (0 when a try is allowed)."""
    now = now or system_clock.now()
    since = now - WINDOW
    waits = []
    for field, value, limit in (("account", account_key(email), MAX_FAILURES_PER_ACCOUNT), ("ip", ip, MAX_FAILURES_PER_ADDRESS)):
        if not value:
            continue
        recent = list(
            SignInFailure.objects.filter(**{field: value}, at__gte=since).order_by("-at").values_list("at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            # Free again when the oldest of the last `limit` failures leaves the window.
            waits.append((recent[-1] + WINDOW - now).total_seconds())
    return max((math.ceil(w / 60) for w in waits if w > 0), default=0)


def record_failure(email: str, ip: str | None, now: datetime | None = None) -> None:
    now = now or system_clock.now()
    SignInFailure.objects.filter(at__lt=now - WINDOW).delete()
    SignInFailure.objects.create(account=account_key(email), ip=ip or None, at=now)


def clear(email: str) -> None:
    SignInFailure.objects.filter(account=account_key(email)).delete()
