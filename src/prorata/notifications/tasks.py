"""Background entry points of notice sending (Django Tasks, queue `notifications`). Idempotent:
a notice already sent, or claimed by another worker, is skipped."""

from __future__ import annotations

from django_tasks import task

from .delivery import send_due


@task(queue_name="notifications")
def send_notices(notice_ids: list[str]) -> int:
    """Send these notices now if they are still due; returns how many were sent."""
    return send_due(limit=len(notice_ids), notice_ids=notice_ids).sent


@task(queue_name="notifications")
def sweep_notices(limit: int = 200) -> int:
    """Send every due notice: retries after an SMTP failure, and any whose enqueue was lost."""
    return send_due(limit=limit).sent


def enqueue_sweep() -> bool:
    """Queue a sweep unless one is already waiting; True when one was queued (the worker's
    scheduler calls this every cycle, beside the billing pass and the webhook sweep)."""
    from django_tasks_db.models import DBTaskResult

    path = f"{sweep_notices.func.__module__}.{sweep_notices.func.__qualname__}"
    if DBTaskResult.objects.ready().filter(task_path=path).exists():
        return False
    sweep_notices.enqueue()
    return True
