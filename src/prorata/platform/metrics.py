"""Prometheus metrics (prometheus-client): requests of this process, and Prorata's own work read
from the database at scrape time, so that every node reports the same figures whatever process
did the work.

Work figures: billing pass lag (age of the oldest due work not yet done), renewal invoices,
charges by outcome, processor calls whose outcome is still open, webhook backlog, failures and
age, task queue backlog and age, callback queue age, and the last worker heartbeat.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from prorata.core.clock import system_clock

REGISTRY = CollectorRegistry(auto_describe=False)

REQUESTS = Counter(
    "prorata_http_requests", "HTTP requests served by this process.", ["method", "status"], registry=REGISTRY,
)
LATENCY = Histogram(
    "prorata_http_request_duration_seconds", "Time to answer an HTTP request, in this process.", ["method"],
    registry=REGISTRY, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _age(now, at) -> float:  # type: ignore[no-untyped-def]
    return max(0.0, (now - at).total_seconds()) if at is not None else 0.0


class WorkCollector(Collector):
    def describe(self) -> list:
        # Nothing at registration: collecting reads the database, which may not be there yet.
        return []

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        from django_tasks_db.models import DBTaskResult

        from prorata.billing.models import CreditNote, GatewayCall, Invoice, Payment
        from prorata.subscriptions.models import Subscription
        from prorata.support.models import CallbackRequest
        from prorata.webhooks.models import Delivery, DeliveryAttempt

        from .models import WorkerHeartbeat

        now = system_clock.now()
        realtime = {"tenant__test_clock__isnull": True}

        oldest_sub = Subscription.objects.filter(next_action_at__lte=now, **realtime).aggregate(m=Min("next_action_at"))["m"]
        oldest_note = CreditNote.objects.filter(status="pending", settles_on__lte=now, **realtime).aggregate(m=Min("settles_on"))["m"]
        lag = GaugeMetricFamily("prorata_billing_pass_lag_seconds",
                                "Age of the oldest billing work that is due and not done (real-time tenants).")
        lag.add_metric([], max(_age(now, oldest_sub), _age(now, oldest_note)))
        yield lag
        due = GaugeMetricFamily("prorata_billing_due_work", "Subscriptions and credit notes with billing work due now.")
        due.add_metric([], Subscription.objects.filter(next_action_at__lte=now, **realtime).count()
                       + CreditNote.objects.filter(status="pending", settles_on__lte=now, **realtime).count())
        yield due

        invoices = CounterMetricFamily("prorata_invoices", "Invoices issued, by kind (period = purchases and renewals).",
                                       labels=["kind"])
        for row in Invoice.objects.values("kind").annotate(n=Count("pk")).order_by("kind"):
            invoices.add_metric([row["kind"]], row["n"])
        yield invoices

        payments = CounterMetricFamily("prorata_charges", "Charge attempts answered by the processor, by outcome.",
                                       labels=["status"])
        for row in Payment.objects.values("status").annotate(n=Count("pk")).order_by("status"):
            payments.add_metric([row["status"]], row["n"])
        yield payments

        open_calls = GaugeMetricFamily("prorata_processor_calls_open",
                                       "Processor calls recorded whose outcome is not written yet; expired: past their lease.",
                                       labels=["state"])
        open_calls.add_metric(["in_lease"], GatewayCall.objects.filter(lease_until__gte=now).count())
        open_calls.add_metric(["expired"], GatewayCall.objects.filter(lease_until__lt=now).count())
        yield open_calls

        deliveries = GaugeMetricFamily("prorata_webhook_deliveries", "Webhook deliveries by status (pending = backlog).",
                                       labels=["status"])
        for row in Delivery.objects.values("status").annotate(n=Count("pk")).order_by("status"):
            deliveries.add_metric([row["status"]], row["n"])
        yield deliveries
        oldest_due = Delivery.objects.filter(status="pending", next_attempt_at__lte=now).aggregate(m=Min("next_attempt_at"))["m"]
        backlog_age = GaugeMetricFamily("prorata_webhook_backlog_age_seconds",
                                        "How long the oldest due webhook delivery has waited.")
        backlog_age.add_metric([], _age(now, oldest_due))
        yield backlog_age
        failed = CounterMetricFamily("prorata_webhook_failed_attempts", "Webhook delivery attempts that failed.")
        failed.add_metric([], DeliveryAttempt.objects.filter(succeeded=False).count())
        yield failed

        tasks = GaugeMetricFamily("prorata_task_queue_ready", "Background tasks waiting, by queue.", labels=["queue"])
        task_age = GaugeMetricFamily("prorata_task_queue_age_seconds", "How long the oldest waiting task has waited, by queue.",
                                     labels=["queue"])
        for row in DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("pk"), oldest=Min("enqueued_at")).order_by("queue_name"):
            tasks.add_metric([row["queue_name"]], row["n"])
            task_age.add_metric([row["queue_name"]], _age(now, row["oldest"]))
        yield tasks
        yield task_age

        oldest_callback = CallbackRequest.objects.filter(status="open").aggregate(m=Min("created_at"))["m"]
        callbacks = GaugeMetricFamily("prorata_callback_queue_open", "Callback requests not yet claimed.")
        callbacks.add_metric([], CallbackRequest.objects.filter(status="open").count())
        yield callbacks
        callback_age = GaugeMetricFamily("prorata_callback_queue_age_seconds", "How long the oldest open callback request has waited.")
        callback_age.add_metric([], _age(now, oldest_callback))
        yield callback_age

        last = WorkerHeartbeat.objects.aggregate(x=Max("seen_at"))["x"]
        worker = GaugeMetricFamily("prorata_worker_last_seen_seconds", "Seconds since a worker last wrote its heartbeat.")
        worker.add_metric([], _age(now, last) if last is not None else float("inf"))
        yield worker


REGISTRY.register(WorkCollector())


def render() -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        method = request.method if request.method in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} else "other"
        REQUESTS.labels(method, str(response.status_code)).inc()
        LATENCY.labels(method).observe(time.monotonic() - started)
        return response
