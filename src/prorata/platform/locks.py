"""Named locks between processes that end with their holder, for work that must not overlap.

PostgreSQL: a session-level advisory lock on the connection (released by the server when the
connection ends, so a killed process never leaves it held). SQLite: an exclusive `flock` on a
file beside the database (released by the kernel when the process ends).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _lock_path(name: str) -> str:
    db = str(connection.settings_dict.get("NAME") or "")
    if not db or db.startswith(":memory:") or "mode=memory" in db:
        folder = tempfile.gettempdir()
    else:
        folder = os.path.dirname(os.path.abspath(db))
    digest = hashlib.sha256(f"{db}\0{name}".encode()).hexdigest()[:24]
    return os.path.join(folder, f".prorata-lock-{digest}")


@contextmanager
def named_lock(name: str) -> Iterator[None]:
    """Hold the lock `name` for the block, waiting for another holder to finish first.

    Not inside a transaction: the work under the lock runs its own transactions.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_key(name)])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
        return
    fd = os.open(_lock_path(name), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# Row locks. Every transaction that locks more than one of these takes them in this order —
# subscriptions, then their tenants, then the tenants' credit notes (each by id) — so no two can
# wait on each other in a cycle (tests/integration/test_lock_order.py checks every service).
# Should a conflict still happen (another database, a new path), PostgreSQL aborts one of the
# transactions; `is_lock_conflict` recognises that, and `retry_on_lock_conflict` runs an
# idempotent transaction again.


def is_lock_conflict(exc: BaseException) -> bool:
    """A transaction PostgreSQL aborted for a deadlock or a serialisation failure (safe to run again)."""
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) in ("40P01", "40001")


def retry_on_lock_conflict(run, attempts: int = 3):  # type: ignore[no-untyped-def]
    """`run()` (one whole transaction, idempotent), again on a lock conflict, up to `attempts` times."""
    from django.db import OperationalError

    for attempt in range(attempts):
        try:
            return run()
        except OperationalError as exc:
            if attempt == attempts - 1 or not is_lock_conflict(exc):
                raise
    raise AssertionError("unreachable")
