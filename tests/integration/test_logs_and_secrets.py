"""Structured logs and secrets: every line is JSON with the request id, tenant and actor; a whole
walk (tenant, card, subscription, webhook endpoint, failed sign-ins, password reset, bad keys)
leaves no secret, card number or reset link in the logs; files are created owner-only; the CSP
header is set; `testserver` is no host of a production install."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from test_deploy_security import PRODUCTION, settings_of

from conftest import ApiClient
from factories import make_api_key, make_plan, make_tenant, make_user
from prorata.platform.logs import ContextFilter, JsonFormatter

pytestmark = pytest.mark.django_db

CARD = "4242424242424242"
PASSWORD = "Walk-Passphrase-42"


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    django_logger = logging.getLogger("django")
    django_logger.addHandler(handler)
    yield stream
    root.removeHandler(handler)
    django_logger.removeHandler(handler)
    root.setLevel(old_level)


def test_a_walks_logs_are_json_with_context_and_hold_no_secret(captured, settings):
    settings.PRORATA_RATE_LIMIT = 0
    _, operator_key = make_api_key()
    op = ApiClient(operator_key)
    tenant = op.post("/tenants", {"name": "Walk Ltd", "country": "US", "currency": "USD", "timezone": "UTC",
                                  "language": "en"}).json()
    _, tenant_key = make_api_key(make_tenant.__globals__["Tenant"].objects.get(pk=tenant["id"]))
    api = ApiClient(tenant_key)
    card = api.post(f"/tenants/{tenant['id']}/payment_methods",
                    {"card_number": CARD, "exp_month": 12, "exp_year": 2035, "cvc": "123"})
    assert card.status_code == 201, card.content
    declined = api.post(f"/tenants/{tenant['id']}/payment_methods",
                        {"card_number": "4000000000000002", "exp_month": 12, "exp_year": 2035, "cvc": "123"})
    assert declined.status_code == 402
    plan = make_plan()
    sub = api.post("/subscriptions", {"tenant": tenant["id"], "plan": plan.pk, "quantity": 2})
    assert sub.status_code == 201, sub.content
    endpoint = api.post("/webhook_endpoints", {"url": "https://walk.example.test/h", "events": ["*"]}).json()
    webhook_secret = endpoint["secret"]
    # Wrong keys, wrong passwords, a password reset.
    ApiClient("prk_wrong_" + "x" * 30).get("/subscriptions")
    user = make_user(make_tenant.__globals__["Tenant"].objects.get(pk=tenant["id"]), "global_admin", password=PASSWORD)
    Client().post("/signin/", {"username": user.email, "password": "Wrong-" + PASSWORD})
    Client().post("/password-reset/", {"email": user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"/password-reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    # Something that fails loudly inside a request (a 404 logged as a warning, a 400).
    api.post("/subscriptions", {"tenant": tenant["id"], "plan": "plan_missing", "quantity": 1})
    logging.getLogger("prorata.test").warning("card %s and key %s", CARD, tenant_key)

    text = captured.getvalue()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines, "the walk wrote no log line"
    in_requests = [entry for entry in lines if entry.get("path", "").startswith("/api/v1/subscriptions")]
    assert in_requests and all(re.fullmatch(r"[0-9a-f]{32}", e["request_id"]) for e in in_requests)
    assert any(e.get("tenant_id") == tenant["id"] and e.get("actor", "").startswith("api_key:") for e in in_requests)
    for secret in (CARD, "4000000000000002", operator_key, tenant_key, webhook_secret, PASSWORD, link.split("/")[-2]):
        assert secret not in text, secret
    assert "[card]" in text and "[secret]" in text  # the line written on purpose above was scrubbed


def test_a_request_id_from_the_proxy_is_kept_and_returned(client):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-1234567890"})
    assert response["X-Request-ID"] == "edge-1234567890"
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz", headers={"X-Request-ID": "bad id!"})["X-Request-ID"])


def test_pages_carry_a_content_security_policy(client):
    policy = client.get("/signin/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert "Content-Security-Policy" in ApiClient().get("/openapi.json")


def test_testserver_is_not_a_host_of_a_production_install():
    assert "testserver" not in settings_of(PRODUCTION, "ALLOWED_HOSTS")["ALLOWED_HOSTS"]
    assert "testserver" not in settings_of({**PRODUCTION, "ALLOWED_HOSTS": "billing.example.com,testserver"},
                                           "ALLOWED_HOSTS")["ALLOWED_HOSTS"]


def test_messages_are_kept_in_the_session_not_in_a_cookie(settings):
    assert settings.MESSAGE_STORAGE.endswith("session.SessionStorage")


def test_password_reset_mails_are_rate_limited(settings):
    user = make_user(make_tenant(), "global_admin", password=PASSWORD)
    for _ in range(6):
        response = Client().post("/password-reset/", {"email": user.email})
        assert response.status_code == 302
    assert len(mail.outbox) == 3


def test_files_are_created_owner_only(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PRORATA_VAR_DIR": str(tmp_path / "var")})
    done = subprocess.run([str(Path(sys.executable).with_name("prorata")), "migrate"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    for path in (tmp_path / "var" / "secret_key", tmp_path / "db.sqlite3"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
