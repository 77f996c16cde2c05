"""Rate limits per API key (SPEC §9): 429 rate_limited with Retry-After, shared across processes."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import ApiClient
from factories import make_api_key, make_tenant
from prorata.platform import middleware
from prorata.platform.models import RateLimitWindow
from prorata.platform.ratelimit import lease_size, rate_limit_hit

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(monkeypatch):
    """Wall-clock time standing at 0.25 s into a second, movable."""
    state = {"at": datetime(2026, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)}
    monkeypatch.setattr(middleware, "_now", lambda: state["at"])
    return state


def test_default_is_100_per_second_then_429_with_retry_after(settings, frozen):
    assert settings.PRORATA_RATE_LIMIT == 100
    _, secret = make_api_key(make_tenant())
    api = ApiClient(secret)
    statuses = [api.get("/webhook_endpoints").status_code for _ in range(100)]
    assert statuses == [200] * 100
    refused = api.get("/webhook_endpoints")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    body = refused.json()["error"]
    assert body["code"] == "rate_limited"
    assert body["details"] == {"retry_after": 1, "limit": 100}
    assert "1" in body["message"]
    # POSTs are refused too, and change nothing.
    assert api.post("/webhook_endpoints", {"url": "https://x.test/", "events": ["*"]}).status_code == 429
    from prorata.webhooks.models import WebhookEndpoint

    assert WebhookEndpoint.objects.count() == 0
    # The next second is a new window.
    frozen["at"] = datetime(2026, 5, 1, 12, 0, 1, tzinfo=UTC)
    assert api.get("/webhook_endpoints").status_code == 200


def test_the_limit_is_configurable_and_per_key(settings, frozen):
    settings.PRORATA_RATE_LIMIT = 3
    tenant = make_tenant()
    _, one = make_api_key(tenant)
    _, two = make_api_key(tenant)
    a, b = ApiClient(one), ApiClient(two)
    assert [a.get("/webhook_endpoints").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert [b.get("/webhook_endpoints").status_code for _ in range(3)] == [200, 200, 200]


def test_a_longer_window_gives_a_longer_retry_after(settings, frozen):
    settings.PRORATA_RATE_LIMIT = 2
    settings.PRORATA_RATE_LIMIT_WINDOW = 60
    _, secret = make_api_key()
    api = ApiClient(secret)
    frozen["at"] = datetime(2026, 5, 1, 12, 0, 15, 500000, tzinfo=UTC)
    api.get("/webhook_endpoints")
    api.get("/webhook_endpoints")
    refused = api.get("/webhook_endpoints")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"  # 44.5 s left in the minute, rounded up


def test_zero_turns_limiting_off(settings, frozen):
    settings.PRORATA_RATE_LIMIT = 0
    _, secret = make_api_key()
    api = ApiClient(secret)
    assert all(api.get("/webhook_endpoints").status_code == 200 for _ in range(5))
    assert RateLimitWindow.objects.count() == 0


def test_unknown_keys_are_counted_by_client_address_and_get_401(frozen):
    from prorata.platform.ratelimit import address_key

    r = ApiClient("prk_nope").get("/webhook_endpoints")
    assert r.status_code == 401
    # Not as a key (there is none), but as the address that tried it (test_sign_in_abuse).
    assert list(RateLimitWindow.objects.values_list("api_key_id", flat=True)) == [address_key("127.0.0.1")]


def test_finished_windows_are_cleaned_up(settings, frozen):
    _, secret = make_api_key()
    api = ApiClient(secret)
    for second in range(5):
        frozen["at"] = datetime(2026, 5, 1, 12, 0, second, tzinfo=UTC)
        api.get("/webhook_endpoints")
    assert RateLimitWindow.objects.count() == 1


def test_requests_are_leased_from_the_shared_counter_a_few_at_a_time():
    key, _ = make_api_key()
    at = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert lease_size(100) == 4
    with CaptureQueriesContext(connection) as queries:
        for i in range(1, 4):
            verdict = rate_limit_hit(api_key_id=key.pk, now=at)
            assert verdict.allowed and verdict.remaining == 100 - i
    # One lease of 4 for three requests: one upsert (and the clean-up of older windows).
    assert [q["sql"].split()[0] for q in queries.captured_queries if "ratelimit" in q["sql"]] == ["INSERT", "DELETE"]
    assert RateLimitWindow.objects.get().count == 4
    with CaptureQueriesContext(connection) as queries:
        assert rate_limit_hit(api_key_id=key.pk, now=at).allowed
    assert queries.captured_queries == []


def test_processes_together_never_exceed_the_limit(settings, monkeypatch):
    """Three processes (each with its own leases in memory) take turns with one key: together
    they serve at most the limit in a window, and lose at most lease - 1 each to unspent leases."""
    from prorata.platform import ratelimit

    key, _ = make_api_key()
    at = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    processes = [{}, {}, {}]
    allowed = 0
    for i in range(400):
        monkeypatch.setattr(ratelimit, "_leases", processes[i % 3])
        allowed += rate_limit_hit(api_key_id=key.pk, now=at, limits=(250, 1)).allowed
    size = lease_size(250)
    assert size == 10
    assert 250 - 3 * (size - 1) <= allowed <= 250
    assert RateLimitWindow.objects.get().count >= 250
    # Once the window's budget is leased out, a process refuses without asking the database.
    with CaptureQueriesContext(connection) as queries:
        assert not rate_limit_hit(api_key_id=key.pk, now=at, limits=(250, 1)).allowed
    assert queries.captured_queries == []
    # The next window starts afresh.
    assert rate_limit_hit(api_key_id=key.pk, now=datetime(2026, 5, 1, 12, 0, 1, tzinfo=UTC), limits=(250, 1)).allowed


def test_overhead_per_request_is_measured(capsys):
    """The limiter's cost: one upsert per request (printed for the record; bounded loosely)."""
    key, _ = make_api_key()
    n = 300
    started = time.perf_counter()
    for i in range(n):
        rate_limit_hit(api_key_id=key.pk, now=datetime(2026, 5, 1, 12, 0, i // 50, tzinfo=UTC))
    per_call_ms = (time.perf_counter() - started) * 1000 / n
    with capsys.disabled():
        print(f"\nrate limiter on {connection.vendor}: {per_call_ms:.3f} ms per request")
    assert per_call_ms < 20


def test_overhead_of_the_guard_on_a_whole_request(settings, capsys):
    """The same API read with the limiter on and off: the difference is what the limit costs."""
    _, secret = make_api_key(make_tenant())
    api = ApiClient(secret)
    api.get("/webhook_endpoints")  # warm up

    def per_request(n=200):
        started = time.perf_counter()
        for _ in range(n):
            assert api.get("/webhook_endpoints").status_code == 200
        return (time.perf_counter() - started) * 1000 / n

    settings.PRORATA_RATE_LIMIT = 0
    off = per_request()
    settings.PRORATA_RATE_LIMIT = 1_000_000
    on = per_request()
    with capsys.disabled():
        print(f"\nAPI read on {connection.vendor}: {off:.2f} ms without the limiter, {on:.2f} ms with it "
              f"({on - off:+.2f} ms)")
    assert RateLimitWindow.objects.exists()


def test_the_configured_rate_holds_across_the_processes_of_a_real_server(tmp_path):
    """`prorata serve --workers 3` on one SQLite file, a key limited to 120 requests a window:
    requests on new connections land on all three processes, and the server as a whole serves
    at most 120 of them, losing no more than 3 × (lease - 1) to leases left unspent."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    prorata = str(Path(sys.executable).with_name("prorata"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", "PRORATA_VAR_DIR": str(tmp_path / "var"),
                "PRORATA_RATE_LIMIT": "120", "PRORATA_RATE_LIMIT_WINDOW": "3600"})

    def cli(*argv):
        return subprocess.run([prorata, *argv], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=180, check=True).stdout

    cli("migrate")
    secret = cli("apikey", "create", "--operator").strip().splitlines()[-1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([prorata, "serve", "--port", str(port), "--workers", "3"], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(_i: int) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tenants?limit=1",
                                         headers={"Authorization": f"Bearer {secret}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()  # noqa: S310
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.3)
        window = int(time.time() // 3600)
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(get, range(240)))
        if int(time.time() // 3600) != window:  # the run crossed the hour: two windows' budgets
            pytest.skip("the requests straddled a window boundary")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    served = statuses.count(200)
    assert statuses.count(200) + statuses.count(429) == 240
    assert 120 - 3 * (lease_size(120) - 1) <= served <= 120, served
