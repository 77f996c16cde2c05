"""The entry points of a billing pass's worker processes (`engine.run_pass_in_workers`).

A spawned process imports this module before Django is set up, to unpickle its initializer, so
it imports nothing of Django's models at the top.
"""

from __future__ import annotations

import os
from typing import Any


def init() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prorata.settings")
    django.setup()


def run(as_of: Any, tenant_filter: Any, batch_size: int, actor: Any) -> Any:
    from django.db import connection

    from .engine import run_pass

    try:
        return run_pass(as_of=as_of, tenant_filter=tenant_filter, batch_size=batch_size, actor=actor)
    finally:
        connection.close()
