"""The entry points of a billing pass's worker processes (`engine.run_pass_in_workers`).

A spawned process imports this module before Django is set up, to unpickle its initializer, so
it imports nothing of Django's models at the top.
"""

from __future__ import annotations

import os
from typing import Any


def _lifeline(parent: int) -> None:
    """Exit when the process that spawned this one is gone (it was killed, even by SIGKILL):
    an orphaned pass process would go on claiming and charging with nobody to collect it."""
    import threading
    import time

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    try:  # Linux: the kernel signals this process the moment its parent dies.
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    threading.Thread(target=watch, name="pass-lifeline", daemon=True).start()


def init(parent: int | None = None) -> None:
    import django

    _lifeline(parent if parent is not None else os.getppid())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prorata.settings")
    django.setup()


def run(as_of: Any, tenant_filter: Any, batch_size: int, actor: Any) -> Any:
    from django.db import connection

    from .engine import run_pass

    try:
        return run_pass(as_of=as_of, tenant_filter=tenant_filter, batch_size=batch_size, actor=actor)
    finally:
        connection.close()
