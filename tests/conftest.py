"""Shared test set-up: compiled catalogues, the required-services switches, an API client."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client


def pytest_configure(config: pytest.Config) -> None:
    from prorata.i18n.catalogs import compile_all

    compile_all()
    # The suite's webhook receivers listen on http://127.0.0.1: an on-premises receiver, allowed
    # the way an install would allow one (here and in the processes the tests start).
    os.environ["PRORATA_WEBHOOK_ALLOW_HTTP"] = "1"
    os.environ["PRORATA_WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    from django.conf import settings

    # Every request of the suite comes from one address; the anonymous limit has its own tests.
    os.environ["PRORATA_ANONYMOUS_RATE_LIMIT"] = "1000000"
    settings.PRORATA_ANONYMOUS_RATE_LIMIT = 1000000
    settings.PRORATA_WEBHOOK_ALLOW_HTTP = True
    settings.PRORATA_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture(autouse=True)
def _fresh_process_memory() -> Iterator[None]:
    """Each test starts with no API key verified, no rate-limit lease and no token signing key
    held in memory: the database rows they stood for are rolled back after every test."""
    from prorata.licenses.tokens import forget_current
    from prorata.platform.keys import forget_all_keys
    from prorata.platform.ratelimit import forget_leases

    forget_all_keys()
    forget_leases()
    forget_current()
    yield


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # PostgreSQL-only tests run in the PostgreSQL leg of `make test`; the SQLite leg deselects them.
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="runs in the PostgreSQL leg of the suite")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


class ApiClient:
    """JSON over Django's test client, with a bearer key and an optional language."""

    def __init__(self, secret: str | None = None, language: str | None = None):
        self.client = Client()
        self.secret = secret
        self.language = language

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        if self.language:
            headers["Accept-Language"] = self.language
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None, raw: str | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(f"/api/v1{path}", data, content_type="application/json", headers=self._headers(headers))

    def delete(self, path: str, headers: dict[str, str] | None = None):
        return self.client.delete(f"/api/v1{path}", headers=self._headers(headers))


@pytest.fixture
def anonymous_api() -> ApiClient:
    return ApiClient()


@contextmanager
def rolled_back() -> Iterator[None]:
    """Undo everything the block writes, as a test case's own transaction does.

    Marked like the test case's transaction, so that code which refuses to call a payment
    processor inside a transaction (prorata.payments.gateway.outside_transaction) still runs
    here: this transaction stands for the database's outer boundary, not for the code's.
    """
    atomic = transaction.atomic()
    atomic._from_testcase = True  # type: ignore[attr-defined]
    atomic.__enter__()
    try:
        yield
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="session")
def localstripe():
    """localstripe, a stateful Stripe server, as a real process on 127.0.0.1 for the session."""
    from stripe_helpers import start

    server = start()
    try:
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except Exception:
            server.process.kill()


@pytest.fixture
def stripe_gateway(localstripe, settings):
    """PRORATA_GATEWAY=stripe, pointed at localstripe, with an empty server for the test."""
    localstripe.flush()
    for name, value in localstripe.settings().items():
        setattr(settings, name, value)
    return localstripe


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    from smtp_server import SmtpServer

    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "billing@prorata.test"
    yield server
    server.stop()
