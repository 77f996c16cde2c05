"""Who may open what, another tenant's ids, CSRF, sign-in throttling, password reset, language."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from browser.stage import PASSWORD, build_stage
from factories import make_tenant, make_user
from prorata.subscriptions.models import Subscription
from prorata.web.models import SignInFailure

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def stage():
    return build_stage()


BILLING_PAGES = ["/billing/products/", "/billing/bills/", "/billing/account/", "/billing/payment-methods/", "/support/requests/"]


def test_anonymous_people_are_sent_to_sign_in(stage):
    for path in ["/", "/users/", *BILLING_PAGES, "/support/console/"]:
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/signin/?next="), path


def test_a_user_role_sees_only_home(stage):
    client = signed_in(stage.plain_user)
    assert client.get("/").status_code == 200
    for path in ["/users/", *BILLING_PAGES, f"/billing/products/{stage.big.pk}/", "/support/console/"]:
        assert client.get(path).status_code == 403, path
    response = client.post(f"/billing/products/{stage.big.pk}/cancel/", {"reason": "other"})
    assert response.status_code == 403
    assert Subscription.objects.get(pk=stage.big.pk).status == "active"


def test_a_billing_admin_manages_billing_but_not_users(stage):
    client = signed_in(stage.billing_admin)
    for path in BILLING_PAGES:
        assert client.get(path).status_code == 200, path
    assert client.get("/users/").status_code == 403
    assert client.post("/licenses/", {"users": [stage.users[0].pk], "subscription": stage.big.pk, "action": "remove"}).status_code == 403


def test_a_support_engineer_lands_on_the_console_and_not_on_tenant_pages(stage):
    engineer = make_user(None, "support_engineer", password=PASSWORD)
    client = signed_in(engineer)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/support/console/"
    assert client.get("/support/console/").status_code == 200
    assert client.get("/billing/products/").status_code == 403


def test_another_tenants_ids_are_404_everywhere(stage):
    other = build_stage(name="Northwind", email_domain="northwind.test")
    client = signed_in(stage.admin)
    foreign_invoice = other.big.invoices.first()
    for path in [
        f"/billing/products/{other.big.pk}/",
        f"/billing/products/{other.big.pk}/cancel/",
        f"/users/{other.users[0].pk}/",
        f"/users/{other.users[0].pk}/remove/",
        f"/billing/bills/invoices/{foreign_invoice.pk}/",
        f"/billing/bills/invoices/{foreign_invoice.pk}/pdf/",
        f"/support/requests/new/?subscription={other.big.pk}",
    ]:
        assert client.get(path).status_code == 404, path
    for path, data in [
        (f"/billing/products/{other.big.pk}/cancel/", {"reason": "other"}),
        (f"/billing/products/{other.big.pk}/recurring-billing/", {"enabled": "off"}),
        (f"/billing/products/{other.big.pk}/buy-licenses/", {"count": "1"}),
        (f"/users/{other.users[0].pk}/remove/", {}),
        ("/licenses/", {"users": [other.users[0].pk], "subscription": stage.big.pk, "action": "remove"}),
        ("/licenses/", {"users": [stage.users[0].pk], "subscription": other.big.pk, "action": "assign"}),
    ]:
        assert client.post(path, data).status_code == 404, path
    big = Subscription.objects.get(pk=other.big.pk)
    assert (big.status, big.recurring_billing, big.quantity, big.licenses.count()) == ("active", True, 30, 25)


def test_every_form_needs_its_csrf_token(stage):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=stage.admin.email, password=PASSWORD)
    for path, data in [
        (f"/billing/products/{stage.small.pk}/cancel/", {"reason": "other"}),
        (f"/billing/products/{stage.small.pk}/recurring-billing/", {"enabled": "off"}),
        (f"/billing/products/{stage.small.pk}/buy-licenses/", {"count": "1"}),
        (f"/billing/products/{stage.small.pk}/remove-licenses/", {"count": "1"}),
        (f"/users/{stage.users[5].pk}/remove/", {}),
        ("/users/add/", {"display_name": "X", "email": "x@contoso.test", "role": "user"}),
        ("/licenses/", {"users": [stage.users[5].pk], "subscription": stage.small.pk, "action": "assign"}),
        ("/billing/payment-methods/add/", {"card_number": "4242424242424242", "exp_month": "1", "exp_year": "2030", "cvc": "123"}),
        ("/language/", {"language": "zh-Hans"}),
        ("/signout/", {}),
    ]:
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert "The form has expired" in response.content.decode()
    small = Subscription.objects.get(pk=stage.small.pk)
    assert (small.status, small.recurring_billing, small.quantity) == ("active", True, 5)
    # Every page's forms carry the token.
    page = client.get(f"/billing/products/{stage.small.pk}/").content.decode()
    assert page.count("<form") == page.count('name="csrfmiddlewaretoken"') > 3


def test_sign_in_is_throttled_after_five_failures(stage):
    client = Client()
    for _ in range(5):
        response = client.post("/signin/", {"username": stage.admin.email, "password": "wrong"})
        assert "do not match an account" in response.content.decode()
    response = client.post("/signin/", {"username": stage.admin.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SignInFailure.objects.count() == 5


def test_a_good_sign_in_clears_earlier_failures(stage):
    client = Client()
    client.post("/signin/", {"username": stage.admin.email, "password": "wrong"})
    response = client.post("/signin/", {"username": stage.admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert SignInFailure.objects.count() == 0


def test_password_reset_by_email(stage):
    client = Client()
    response = client.post("/password-reset/", {"email": stage.admin.email})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "A-new-passphrase-77", "new_password2": "A-new-passphrase-77"})
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"
    assert Client().login(username=stage.admin.email, password="A-new-passphrase-77")


def test_the_language_is_kept_on_the_account(stage):
    client = signed_in(stage.admin)
    response = client.post("/language/", {"language": "zh-Hans", "next": "/billing/products/"})
    assert response.status_code == 302 and response["Location"] == "/billing/products/"
    stage.admin.refresh_from_db()
    assert stage.admin.language == "zh-Hans"
    # A new session, without the cookie, still speaks Chinese.
    page = signed_in(stage.admin).get("/billing/products/").content.decode()
    assert "<h1>产品和服务</h1>" in page
    assert 'lang="zh-Hans"' in page


def test_the_language_switch_refuses_unknown_languages_and_outside_redirects(stage):
    client = signed_in(stage.admin)
    response = client.post("/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    stage.admin.refresh_from_db()
    assert stage.admin.language == ""


def test_the_tenant_language_applies_when_the_user_has_none():
    tenant = make_tenant(language="zh-Hans")
    admin = make_user(tenant, "global_admin", password=PASSWORD)
    assert "欢迎" in signed_in(admin).get("/").content.decode()


def test_signed_in_pages_are_never_cached(stage):
    response = signed_in(stage.admin).get("/billing/bills/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_one_address_is_throttled_after_twenty_failures_over_many_accounts(stage, settings):
    client = Client()
    for i in range(20):
        client.post("/signin/", {"username": f"nobody{i}@contoso.test", "password": "wrong"})
    response = client.post("/signin/", {"username": stage.admin.email, "password": PASSWORD})
    assert "Too many failed sign-ins" in response.content.decode()
    # Behind the TLS proxy, the address the proxy saw counts, not the proxy's own.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.post("/signin/", {"username": stage.admin.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 302
    # A forged, malformed header is no address at all, and no error.
    response = Client().post("/signin/", {"username": "x@contoso.test", "password": "no"}, HTTP_X_FORWARDED_FOR="not-an-ip")
    assert response.status_code == 200
    assert SignInFailure.objects.filter(ip__isnull=True).count() == 1
