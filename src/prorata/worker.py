"""The worker process: the task queue (every queue) and, every few seconds, a billing pass.

Webhook deliveries (queue `webhooks`) are served by their own loop on their own thread, so a
slow or hostile receiver can hold up other webhooks for one request deadline at most
(prorata.webhooks.transport) and never the billing pass or the other queues. Each cycle the
scheduler also writes this worker's heartbeat, which `/readyz` reads.

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


WEBHOOK_QUEUE = "webhooks"


def heartbeat(worker_id: str, started_at) -> None:  # type: ignore[no-untyped-def]
    import socket

    from prorata.platform.models import WorkerHeartbeat

    now = system_clock.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": started_at, "seen_at": now},
    )
    # Forget workers not seen for a day.
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()


def _scheduler(stop: threading.Event, interval: float, worker_id: str | None = None) -> None:
    from django.db import close_old_connections

    worker_id = worker_id or f"prorata-{uuid.uuid4().hex[:12]}"
    started_at = system_clock.now()
    while not stop.is_set():
        try:
            heartbeat(worker_id, started_at)
        except Exception:
            log.exception("could not write the worker heartbeat; trying again in %s s", interval)
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
    worker_id = f"prorata-{uuid.uuid4().hex[:12]}"
    if schedule:
        thread = threading.Thread(target=_scheduler, args=(stop, interval, worker_id), name="billing-scheduler", daemon=True)
        thread.start()
    serves_webhooks = "*" in queues or WEBHOOK_QUEUE in queues
    others = [q for q in queues if q != WEBHOOK_QUEUE]
    webhook_workers = []
    if serves_webhooks and others and not batch and max_tasks is None:
        # Webhooks on loops of their own, several: a receiver that holds its request for the whole
        # deadline holds one of them, and this thread serves the rest (the billing pass).
        for n in range(_webhook_loops()):
            loop = Worker(
                queue_names=[WEBHOOK_QUEUE], interval=min(interval, 1.0), batch=False, backend_name="default",
                startup_delay=False, max_tasks=None, worker_id=f"{worker_id}-webhooks-{n}", excluded_queue_names=[],
            )
            threading.Thread(target=_serve, args=(loop,), name=f"webhook-worker-{n}", daemon=True).start()
            webhook_workers.append(loop)
        queues = tuple(others)
    worker = Worker(
        queue_names=list(queues), interval=min(interval, 1.0), batch=batch, backend_name="default",
        startup_delay=False, max_tasks=max_tasks, worker_id=worker_id,
        excluded_queue_names=[WEBHOOK_QUEUE] if webhook_workers and "*" in queues else [],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
        for loop in webhook_workers:
            loop.running = False
        worker.reset_signals()


def _webhook_loops() -> int:
    from django.conf import settings

    return max(1, int(getattr(settings, "PRORATA_WEBHOOK_WORKERS", 4)))


def _serve(worker) -> None:  # type: ignore[no-untyped-def]
    import time

    from django.db import connection

    while worker.running:
        try:
            worker.run()
        except Exception:
            log.exception("the webhook worker loop failed; starting it again in 5 s")
            time.sleep(5)
        finally:
            connection.close()


def start_in_background(extra_args: list[str] | None = None) -> subprocess.Popen[bytes]:
    """Start `prorata worker` as a child process (same interpreter, same environment)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "prorata.settings")}
    return subprocess.Popen([sys.executable, "-m", "prorata.cli", "worker", *(extra_args or [])], env=env)
