"""Sign-in throttling: after repeated failures the address that failed must wait; the account
is never locked.

Failures are counted per address and account (5 in 15 minutes) and per address over all
accounts (20 in 15 minutes). Locking the account itself would let anyone who knows an e-mail
address keep its owner out (five wrong passwords, again every 15 minutes); counting by the
address slows the one guessing, while the real user signs in from their own address. The same
rule guards the admin center's sign-in and the back office's (web.forms).

Failures are rows in the database, so every web process of an install sees the same count.
Wall-clock time is right here: this protects the sign-in form, it is not business time.
This is Django's own authentication form with one table of ours rather than django-axes:
axes would add a second lockout layer (its own middleware, backend and response) to configure
around the same decision, and its default locks by user name.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from prorata.core.clock import system_clock

from .models import SignInFailure

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
MAX_FAILURES_PER_ADDRESS = 20


def account_key(email: str) -> str:
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


def wait_minutes(email: str, ip: str | None, now: datetime | None = None) -> int:
    """Minutes to wait before the next try (0 when a try is allowed)."""
    now = now or system_clock.now()
    since = now - WINDOW
    waits = []
    # An unknown address (a malformed proxy header) is one address of its own.
    pair = {"account": account_key(email), **({"ip": ip} if ip else {"ip__isnull": True})}
    address = {"ip": ip} if ip else None
    for where, limit in ((pair, MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS), (address, MAX_FAILURES_PER_ADDRESS)):
        if where is None:
            continue
        recent = list(
            SignInFailure.objects.filter(**where, at__gte=since).order_by("-at").values_list("at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            # Free again when the oldest of the last `limit` failures leaves the window.
            waits.append((recent[-1] + WINDOW - now).total_seconds())
    return max((math.ceil(w / 60) for w in waits if w > 0), default=0)


def record_failure(email: str, ip: str | None, now: datetime | None = None) -> None:
    now = now or system_clock.now()
    SignInFailure.objects.filter(at__lt=now - WINDOW).delete()
    SignInFailure.objects.create(account=account_key(email), ip=ip or None, at=now)


def clear(email: str, ip: str | None = None) -> None:
    """Forget the failures of this account from this address (a good sign-in from elsewhere does
    not pardon the address that was guessing)."""
    SignInFailure.objects.filter(account=account_key(email), **({"ip": ip} if ip else {"ip__isnull": True})).delete()
