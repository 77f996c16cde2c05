"""Idempotency keys on every POST, with Stripe's semantics (SPEC §9)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import ApiClient
from factories import make_api_key, make_tenant
from prorata.core.clock import system_clock
from prorata.platform import middleware
from prorata.platform.models import IdempotencyRecord
from prorata.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

BODY = {"url": "https://example.test/hook", "events": ["*"]}


def post(api, body=BODY, key="key-1", path="/webhook_endpoints"):
    return api.post(path, body, headers={"Idempotency-Key": key} if key else None)


def test_the_same_key_and_body_replays_the_first_response_and_acts_once():
    _, secret = make_api_key(make_tenant())
    api = ApiClient(secret)
    first = post(api)
    assert first.status_code == 201
    again = post(api)
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert WebhookEndpoint.objects.count() == 1
    # A JSON body with other key order and spacing is the same request.
    reordered = api.post("/webhook_endpoints", raw='{ "events": ["*"],  "url": "https://example.test/hook" }',
                         headers={"Idempotency-Key": "key-1"})
    assert reordered.status_code == 201 and reordered.content == first.content
    assert WebhookEndpoint.objects.count() == 1


def test_without_a_key_every_post_acts():
    _, secret = make_api_key(make_tenant())
    api = ApiClient(secret)
    assert post(api, key=None).status_code == 201
    assert post(api, key=None).status_code == 201
    assert WebhookEndpoint.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_the_same_key_with_another_body_is_refused_and_changes_nothing():
    _, secret = make_api_key(make_tenant())
    api = ApiClient(secret)
    assert post(api).status_code == 201
    other = post(api, body={**BODY, "url": "https://example.test/other"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    # Another path with the same key is another request too.
    assert post(api, path="/webhook_endpoints?x=1").json()["error"]["code"] == "idempotency_key_reused"
    assert WebhookEndpoint.objects.count() == 1


def test_a_key_whose_first_request_is_running_is_in_use():
    tenant = make_tenant()
    key, secret = make_api_key(tenant)
    api = ApiClient(secret)
    # Another process inserted the record and is still running the request.
    from django.test import RequestFactory

    from prorata.platform.idempotency import fingerprint

    request = RequestFactory().post("/api/v1/webhook_endpoints", data=BODY, content_type="application/json")
    IdempotencyRecord.objects.create(api_key=key, key="key-1", fingerprint=fingerprint(request), method="POST",
                                     path="/api/v1/webhook_endpoints", created_at=system_clock.now())
    r = post(api)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "idempotency_key_in_use"
    assert WebhookEndpoint.objects.count() == 0


def test_a_crashed_requests_key_is_taken_over_after_the_timeout():
    key, secret = make_api_key(make_tenant())
    from django.test import RequestFactory

    from prorata.platform.idempotency import IN_PROGRESS_TIMEOUT, fingerprint

    request = RequestFactory().post("/api/v1/webhook_endpoints", data=BODY, content_type="application/json")
    IdempotencyRecord.objects.create(api_key=key, key="key-1", fingerprint=fingerprint(request), method="POST",
                                     path="/api/v1/webhook_endpoints",
                                     created_at=system_clock.now() - IN_PROGRESS_TIMEOUT - timedelta(seconds=1))
    r = post(ApiClient(secret))
    assert r.status_code == 201
    assert WebhookEndpoint.objects.count() == 1
    assert IdempotencyRecord.objects.get().state == "completed"


def test_keys_are_scoped_to_the_api_key():
    tenant = make_tenant()
    _, one = make_api_key(tenant)
    _, two = make_api_key(tenant)
    a = post(ApiClient(one))
    b = post(ApiClient(two))
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert WebhookEndpoint.objects.count() == 2


def test_replay_lasts_24_hours(monkeypatch):
    _, secret = make_api_key(make_tenant())
    api = ApiClient(secret)
    first = post(api)
    start = system_clock.now()
    monkeypatch.setattr(middleware, "_now", lambda: start + timedelta(hours=23, minutes=59))
    assert post(api).content == first.content
    assert WebhookEndpoint.objects.count() == 1
    monkeypatch.setattr(middleware, "_now", lambda: start + timedelta(hours=24, seconds=1))
    later = post(api)
    assert later.status_code == 201 and later.content != first.content
    assert WebhookEndpoint.objects.count() == 2


def test_errors_are_replayed_too_but_server_errors_free_the_key(monkeypatch):
    _, secret = make_api_key(make_tenant())
    api = ApiClient(secret)
    bad = post(api, body={"url": "ftp://x", "events": ["*"]}, key="k-bad")
    assert bad.status_code == 400
    assert post(api, body={"url": "ftp://x", "events": ["*"]}, key="k-bad").content == bad.content

    from prorata.webhooks import services

    def boom(**kw):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "webhook_endpoint_create", boom)
    assert post(api, key="k-500").status_code == 500
    assert not IdempotencyRecord.objects.filter(key="k-500").exists()
    monkeypatch.undo()
    assert post(api, key="k-500").status_code == 201


@pytest.mark.parametrize("value", ["", "x" * 256, "héllo", "tab\there"])
def test_an_invalid_key_is_refused(value):
    _, secret = make_api_key(make_tenant())
    r = ApiClient(secret).post("/webhook_endpoints", BODY, headers={"Idempotency-Key": value})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "idempotency_key_invalid"
    assert WebhookEndpoint.objects.count() == 0


def test_unauthenticated_posts_store_nothing():
    r = ApiClient("prk_wrong").post("/webhook_endpoints", BODY, headers={"Idempotency-Key": "k"})
    assert r.status_code == 401
    assert IdempotencyRecord.objects.count() == 0


def test_refusals_are_translated():
    _, secret = make_api_key(make_tenant(language="zh-Hans"))
    api = ApiClient(secret)
    post(api)
    r = post(api, body={**BODY, "url": "https://example.test/2"})
    assert r.json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in r.json()["error"]["message"] and "请求" in r.json()["error"]["message"]


def test_purge_removes_expired_records():
    from prorata.platform.idempotency import idempotency_purge

    _, secret = make_api_key(make_tenant())
    post(ApiClient(secret))
    assert idempotency_purge(now=system_clock.now()) == 0
    assert idempotency_purge(now=system_clock.now() + timedelta(hours=24, seconds=1)) == 1
    assert IdempotencyRecord.objects.count() == 0


def test_the_periodic_sweep_purges_expired_records():
    from prorata.platform.models import IdempotencyRecord as Record
    from prorata.webhooks.tasks import sweep_webhooks

    key, secret = make_api_key(make_tenant())
    post(ApiClient(secret), key="fresh")
    Record.objects.create(api_key=key, key="old", fingerprint="x", method="POST", path="/api/v1/x",
                          created_at=system_clock.now() - timedelta(hours=25))
    sweep_webhooks.call()
    assert list(Record.objects.values_list("key", flat=True)) == ["fresh"]
