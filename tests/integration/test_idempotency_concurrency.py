"""100 identical requests with one Idempotency-Key, sent concurrently on PostgreSQL: one effect."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from conftest import ApiClient
from factories import make_api_key, make_tenant
from prorata.platform.models import IdempotencyRecord
from prorata.webhooks.models import WebhookEndpoint

REQUESTS = 100
# PostgreSQL's default max_connections is 100 and the suite shares the server: 40 threads at a time.
THREADS = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_requests_have_exactly_one_effect(settings, capsys):
    settings.PRORATA_RATE_LIMIT = 0
    _, secret = make_api_key(make_tenant())
    body = {"url": "https://example.test/hook", "events": ["*"]}
    barrier = threading.Barrier(THREADS)

    def send(i):
        try:
            if i < THREADS:
                barrier.wait()
            r = ApiClient(secret).post("/webhook_endpoints", body, headers={"Idempotency-Key": "one-effect"})
            return r.status_code, r.content, r.get("Idempotent-Replayed")
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(send, range(REQUESTS)))

    statuses = Counter(status for status, _, _ in results)
    assert set(statuses) <= {201, 409}
    originals = [content for status, content, replayed in results if status == 201 and not replayed]
    replays = [content for status, content, replayed in results if status == 201 and replayed]
    assert len(originals) == 1
    assert all(content == originals[0] for content in replays)
    for status, content, _ in results:
        if status == 409:
            assert json.loads(content)["error"]["code"] == "idempotency_key_in_use"
    assert WebhookEndpoint.objects.count() == 1
    assert IdempotencyRecord.objects.get().state == "completed"
    with capsys.disabled():
        print(f"\nidempotency race: {REQUESTS} requests, {THREADS} threads: 1 created, "
              f"{len(replays)} replayed, {statuses[409]} in use, endpoints={WebhookEndpoint.objects.count()}")
