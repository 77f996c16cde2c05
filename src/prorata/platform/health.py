"""Liveness and readiness: `/healthz` answers while the process serves requests; `/readyz`
only while the database answers, every migration is applied and a worker was seen recently.

A load balancer routes to a node on `/readyz`; an orchestrator restarts a process on `/healthz`.
Each check says what failed, never why in detail (no connection strings or stack traces).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection

from prorata.core.clock import system_clock


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "PRORATA_WORKER_STALE_SECONDS", 60)))


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database means not ready
        return Check("database", False, type(exc).__name__)
    return Check("database", True)


def check_migrations() -> Check:
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return Check("migrations", False, type(exc).__name__)
    if plan:
        return Check("migrations", False, f"{len(plan)} unapplied")
    return Check("migrations", True)


def check_worker() -> Check:
    from django.db.models import Max

    from .models import WorkerHeartbeat

    try:
        seen = WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]
    except DatabaseError as exc:
        return Check("worker", False, type(exc).__name__)
    if seen is None:
        return Check("worker", False, "no worker seen")
    age = (system_clock.now() - seen).total_seconds()
    if age > stale_after().total_seconds():
        return Check("worker", False, f"last seen {int(age)} s ago")
    return Check("worker", True, f"last seen {int(age)} s ago")


def readiness() -> list[Check]:
    database = check_database()
    if not database.ok:
        return [database, Check("migrations", False, "database unreachable"), Check("worker", False, "database unreachable")]
    return [database, check_migrations(), check_worker()]
