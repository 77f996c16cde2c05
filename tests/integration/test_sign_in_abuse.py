"""Sign-in throttling slows the guessing address and never locks the account: after 50 wrong
passwords from one address the real user signs in from another, on the admin center and on the
back office alike; anonymous and failed-key API requests are limited by client address."""

from __future__ import annotations

import pytest
from django.test import Client

from factories import make_tenant, make_user
from prorata.web.models import SignInFailure

pytestmark = pytest.mark.django_db

PASSWORD = "Real-User-Passphrase-42"
ATTACKER = "203.0.113.9"
REAL_USER = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def _post(path: str, email: str, password: str, address: str):
    return Client().post(path, {"username": email, "password": password}, HTTP_X_FORWARDED_FOR=address)


@pytest.mark.parametrize(("path", "user_kind"), [("/signin/", "global_admin"), ("/backoffice/login/", "operator")])
def test_fifty_wrong_passwords_from_one_address_do_not_lock_out_the_real_user(path, user_kind, behind_proxy):
    tenant = None if user_kind == "operator" else make_tenant()
    extra = {"is_superuser": True} if user_kind == "operator" else {}
    user = make_user(tenant, user_kind, password=PASSWORD, **extra)
    throttled = 0
    for _ in range(50):
        page = _post(path, user.email, "wrong-guess", ATTACKER).content.decode()
        throttled += "Too many failed sign-ins" in page
    # Only the first five were even checked; the other 45 were refused unchecked.
    assert throttled == 45
    assert SignInFailure.objects.filter(ip=ATTACKER).count() == 5
    # The right password from the attacker's address is refused while it waits...
    refused = _post(path, user.email, PASSWORD, ATTACKER)
    assert refused.status_code == 200 and "Too many failed sign-ins" in refused.content.decode()
    # ...and the real user, from their own address, signs in.
    signed_in = _post(path, user.email, PASSWORD, REAL_USER)
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    # Signing in elsewhere does not pardon the guessing address.
    assert "Too many failed sign-ins" in _post(path, user.email, PASSWORD, ATTACKER).content.decode()


def test_the_back_office_is_throttled_by_address_over_many_accounts(behind_proxy):
    operator = make_user(None, "operator", password=PASSWORD, is_superuser=True)
    for i in range(20):
        _post("/backoffice/login/", f"nobody{i}@contoso.test", "wrong", ATTACKER)
    assert "Too many failed sign-ins" in _post("/backoffice/login/", operator.email, PASSWORD, ATTACKER).content.decode()
    assert _post("/backoffice/login/", operator.email, PASSWORD, REAL_USER).status_code == 302


def test_anonymous_and_failed_key_api_requests_are_limited_by_address(behind_proxy):
    behind_proxy.PRORATA_ANONYMOUS_RATE_LIMIT = 5
    behind_proxy.PRORATA_ANONYMOUS_RATE_LIMIT_WINDOW = 3600
    statuses = []
    for i in range(7):
        headers = {"Authorization": f"Bearer sk_wrong_{i}"} if i % 2 else {}
        statuses.append(Client().get("/api/v1/subscriptions", headers=headers, HTTP_X_FORWARDED_FOR=ATTACKER).status_code)
    assert statuses == [401] * 5 + [429, 429]
    limited = Client().get("/api/v1/subscriptions", HTTP_X_FORWARDED_FOR=ATTACKER)
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    # Another address is not affected.
    assert Client().get("/api/v1/subscriptions", HTTP_X_FORWARDED_FOR=REAL_USER).status_code == 401
