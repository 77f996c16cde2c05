"""Background entry points of webhook delivery (Django Tasks, queue `webhooks`). Idempotent:
a delivery already sent, or claimed by another worker, is skipped."""

from __future__ import annotations

from django_tasks import task

from .delivery import deliver_due


@task(queue_name="webhooks")
def deliver_webhooks(delivery_ids: list[str]) -> int:
    """Send these deliveries now if they are still due; returns the attempts made."""
    return deliver_due(limit=len(delivery_ids), delivery_ids=delivery_ids).attempts


@task(queue_name="webhooks")
def sweep_webhooks(limit: int = 100) -> int:
    """Send every due delivery (retries, and any whose enqueue was lost); returns the attempts.

    The same periodic sweep forgets idempotency records past their 24 hours.
    """
    from prorata.core.clock import system_clock
    from prorata.platform.idempotency import idempotency_purge

    idempotency_purge(now=system_clock.now())
    return deliver_due(limit=limit).attempts


def enqueue_sweep() -> bool:
    """Queue a sweep unless one is already waiting; True when one was queued.

    The worker's scheduler calls this every cycle, beside the billing pass.
    """
    from django_tasks_db.models import DBTaskResult

    path = f"{sweep_webhooks.func.__module__}.{sweep_webhooks.func.__qualname__}"
    if DBTaskResult.objects.ready().filter(task_path=path).exists():
        return False
    sweep_webhooks.enqueue()
    return True
