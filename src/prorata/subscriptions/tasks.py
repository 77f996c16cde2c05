"""Background entry points of the billing pass (Django Tasks, queue `billing`). Idempotent: a pass only
does work that is still due, and claims it, so any number of them may run at once."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from prorata.core.clock import ensure_utc
from prorata.tenants.selectors import now_for

from .engine import REALTIME, run_pass


@task(queue_name="billing")
def billing_pass(as_of: str | None = None, batch_size: int | None = None) -> dict[str, Any]:
    """One billing pass for real-time tenants, up to `as_of` (RFC 3339) or now."""
    from datetime import datetime

    when = ensure_utc(datetime.fromisoformat(as_of)) if as_of else now_for(None)
    return run_pass(as_of=when, tenant_filter=REALTIME, batch_size=batch_size).as_dict()
