"""The worker process: the task queue (every queue) and, every few seconds, a billing pass.

`prorata worker` runs `run_worker()`; `prorata run` starts it as a child process through
`start_in_background()`. Any number of workers may run on one PostgreSQL database: the task
queue hands each task to one worker, and billing passes claim their rows (SKIP LOCKED).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta

from prorata.core.clock import system_clock

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5.0


def enqueue_billing_pass() -> bool:
    """Queue a billing pass unless one is already waiting; True when one was queued."""
    from django_tasks_db.models import DBTaskResult

    from prorata.subscriptions.tasks import billing_pass

    path = f"{billing_pass.func.__module__}.{billing_pass.func.__qualname__}"
    # Finished passes are kept an hour for inspection, then dropped: one is queued every few seconds.
    DBTaskResult.objects.filter(
        task_path=path, status="SUCCESSFUL", finished_at__lt=system_clock.now() - timedelta(hours=1)
    ).delete()
    if DBTaskResult.objects.ready().filter(task_path=path).exists():
        return False
    billing_pass.enqueue()
    return True


def _scheduler(stop: threading.Event, interval: float) -> None:
    from django.db import close_old_connections

    while not stop.is_set():
        try:
            enqueue_billing_pass()
        except Exception:
            log.exception("could not queue a billing pass; trying again in %s s", interval)
        try:
            # Webhook retries, and any delivery whose enqueue was lost (prorata.webhooks.delivery).
            from prorata.webhooks.tasks import enqueue_sweep

            enqueue_sweep()
        except Exception:
            log.exception("could not queue a webhook sweep; trying again in %s s", interval)
        try:
            # E-mail notices: retries after an SMTP failure, and any whose enqueue was lost.
            from prorata.notifications.tasks import enqueue_sweep as enqueue_notice_sweep

            enqueue_notice_sweep()
        except Exception:
            log.exception("could not queue a notice sweep; trying again in %s s", interval)
        finally:
            close_old_connections()
        stop.wait(interval)


def run_worker(*, interval: float = DEFAULT_INTERVAL, queues: tuple[str, ...] = ("*",), max_tasks: int | None = None,
               batch: bool = False, schedule: bool = True) -> None:
    """Serve the task queue until stopped (SIGTERM/SIGINT), queueing a billing pass every `interval` s."""
    from django_tasks_db.management.commands.db_worker import Worker

    stop = threading.Event()
    thread = None
    if schedule:
        thread = threading.Thread(target=_scheduler, args=(stop, interval), name="billing-scheduler", daemon=True)
        thread.start()
    worker = Worker(
        queue_names=list(queues), interval=min(interval, 1.0), batch=batch, backend_name="default",
        startup_delay=False, max_tasks=max_tasks, worker_id=f"prorata-{uuid.uuid4().hex[:12]}",
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
        worker.reset_signals()


def start_in_background(extra_args: list[str] | None = None) -> subprocess.Popen[bytes]:
    """Start `prorata worker` as a child process (same interpreter, same environment)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "prorata.settings")}
    return subprocess.Popen([sys.executable, "-m", "prorata.cli", "worker", *(extra_args or [])], env=env)
