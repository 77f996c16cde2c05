"""Deployment security: `check --deploy` is clean with production settings, settings come from the
environment, and secrets (API keys, webhook signing secrets) are never logged or echoed."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from conftest import ApiClient
from factories import make_api_key, make_tenant

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "PRORATA_SECURE": "1",
    "SECRET_KEY": "kR4v-9Zp_Qw2LmT8xYc3NbJ7hGf5DsAe1UoIiWq6-tY0rE8pLz_Xn4Bv2Mk",
    "ALLOWED_HOSTS": "billing.example.com",
    "DATABASE_URL": "postgres://prorata:s3cr3t-db-pass@db.internal:5432/prorata",
}


def django_admin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PRORATA_", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"))}
    return subprocess.run(
        [sys.executable, "-m", "django", *args, "--settings=prorata.settings"],
        env={**base, "PRORATA_VAR_DIR": "/tmp/prorata-deploy-check", **env},
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )


def settings_of(env: dict[str, str], *names: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PRORATA_", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"))}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**base, "DJANGO_SETTINGS_MODULE": "prorata.settings",
                                            "PRORATA_VAR_DIR": "/tmp/prorata-deploy-check", **env},
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_settings():
    result = django_admin("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_would_notice_a_development_configuration():
    # The check above can fail: without the production switch, --deploy reports the HTTPS settings.
    result = django_admin("check", "--deploy", "--fail-level", "WARNING", env={"SECRET_KEY": PRODUCTION["SECRET_KEY"]})
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr + result.stdout


def test_production_settings_are_https_only_and_read_from_the_environment():
    got = settings_of(PRODUCTION, "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE",
                      "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", "SECRET_KEY", "DATABASES", "ALLOWED_HOSTS")
    assert got["DEBUG"] is False
    assert got["SECURE_SSL_REDIRECT"] is True
    assert got["SECURE_HSTS_SECONDS"] == 31536000
    assert got["SESSION_COOKIE_SECURE"] is True and got["CSRF_COOKIE_SECURE"] is True
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert got["SECRET_KEY"] == PRODUCTION["SECRET_KEY"]
    assert got["ALLOWED_HOSTS"] == ["billing.example.com"]
    db = got["DATABASES"]["default"]
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["NAME"]) == ("prorata", "s3cr3t-db-pass", "db.internal", "prorata")


def test_without_a_tls_proxy_the_forwarded_header_is_not_trusted():
    got = settings_of({**PRODUCTION, "PRORATA_TLS_PROXY": "0"}, "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT")
    assert got == {"SECURE_PROXY_SSL_HEADER": None, "SECURE_SSL_REDIRECT": True}


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = django_admin("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_http_is_redirected_to_https_behind_the_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    plain = client.get("/api/v1/openapi.json")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    proxied = client.get("/api/v1/openapi.json", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db(transaction=True)
def test_secrets_are_never_logged(caplog, monkeypatch):
    """API key and webhook secrets appear in no log record, whatever happens to the request."""
    from prorata.webhooks import services
    from prorata.webhooks.delivery import deliver_due
    from prorata.webhooks.models import Event

    caplog.set_level(logging.DEBUG)
    tenant = make_tenant()
    _, api_secret = make_api_key(tenant)
    api = ApiClient(api_secret)
    created = api.post("/webhook_endpoints", {"url": "http://127.0.0.1:9/down", "events": ["*"]}).json()
    hook_secret = created["secret"]
    # A refused request, an unknown key, an unexpected failure, and a failed webhook delivery.
    api.post("/webhook_endpoints", {"url": "ftp://x", "events": ["*"]})
    ApiClient(api_secret + "x").get("/webhook_endpoints")

    def boom(**kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "webhook_endpoint_create", boom)
    assert api.post("/webhook_endpoints", {"url": "https://x.test/", "events": ["*"]}).status_code == 500
    monkeypatch.undo()
    from factories import utc
    from prorata.audit.services import audit_record
    from prorata.core.actor import SYSTEM

    with transaction.atomic():
        audit_record(actor=SYSTEM, action="invoice.paid", object_type="invoice", object_id="in_1",
                     tenant_id=tenant.pk, at=utc(2026, 1, 1), after={"id": "in_1"})
    assert deliver_due().failed_attempts == 1

    logged = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {getattr(r, 'request', '')!r}" for r in caplog.records
    )
    assert "unexpected error" in logged  # the failure itself was logged ...
    assert api_secret not in logged and api_secret[4:20] not in logged  # ... without the key
    assert hook_secret not in logged and hook_secret[6:] not in logged
    # Nor stored anywhere readable: the audit row and the event stream leave the secret out.
    from prorata.audit.models import AuditEvent

    audit = AuditEvent.objects.get(action="webhook_endpoint.created")
    assert hook_secret not in json.dumps(audit.after)
    assert all(hook_secret not in json.dumps(e.data) for e in Event.objects.all())
    assert hook_secret not in api.get(f"/webhook_endpoints/{created['id']}").content.decode()


def test_production_without_mail_settings_keeps_messages_in_owner_only_files_not_on_the_console(tmp_path):
    # The console is the developer's terminal under `make run`; in production it is a log stream,
    # and a password-reset link there would let whoever reads the logs take over the account.
    assert settings_of({}, "EMAIL_BACKEND")["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    chosen = settings_of({**PRODUCTION, "EMAIL_FILE_PATH": str(tmp_path)}, "EMAIL_BACKEND", "EMAIL_FILE_PATH")
    assert chosen == {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(tmp_path)}
    assert settings_of({**PRODUCTION, "EMAIL_HOST": "smtp.internal"}, "EMAIL_BACKEND")["EMAIL_BACKEND"] == (
        "django.core.mail.backends.smtp.EmailBackend")
    code = ("import django; django.setup(); from django.core.mail import send_mail; "
            "send_mail('Reset', 'https://billing.example.com/reset/abc123/', 'a@x.test', ['b@x.test'])")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PRORATA_", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "EMAIL_"))}
    sent = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**base, "DJANGO_SETTINGS_MODULE": "prorata.settings", "PRORATA_VAR_DIR": str(tmp_path / "var"),
                               **PRODUCTION, "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
                               "EMAIL_FILE_PATH": str(tmp_path / "mail")})
    assert sent.returncode == 0, sent.stderr
    assert "abc123" not in sent.stdout + sent.stderr
    files = list((tmp_path / "mail").iterdir())
    assert len(files) == 1 and "abc123" in files[0].read_text()
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"
