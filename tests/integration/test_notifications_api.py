"""GET /notifications?tenant= (what was sent, to whom, status), a tenant's notification settings
by API, the Billing notifications page, and the back office's list of notices."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import ApiClient
from factories import make_api_key, make_card, make_plan, make_tenant, make_user
from prorata.core.actor import Actor
from prorata.notifications.delivery import send_due
from prorata.notifications.models import Notice
from prorata.subscriptions.services import subscription_change_quantity, subscription_purchase

pytestmark = pytest.mark.django_db
OPERATOR = Actor(kind="api_key", id="key_t", label="operator", is_operator=True, role="operator")
PASSWORD = "Admin-Passphrase-42"


@pytest.fixture
def world(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tenant = make_tenant(name="Contoso")
    make_card(tenant)
    admin = make_user(tenant, "global_admin", email="ga@contoso.test", password=PASSWORD)
    make_user(tenant, "billing_admin", email="ba@contoso.test", language="zh-Hans")
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=make_plan(unit_amount=700).pk, quantity=1)
    return tenant, admin, sub


def test_the_list_shows_what_was_sent_to_whom_with_its_status_and_attempts(world):
    tenant, _admin, _sub = world
    _, secret = make_api_key(tenant)
    api = ApiClient(secret)
    r = api.get("/notifications", {"tenant": tenant.pk})
    assert r.status_code == 200
    assert sorted((n["kind"], n["recipient"], n["status"], n["attempts"]) for n in r.json()["data"]) == [
        ("receipt", "ba@contoso.test", "pending", []), ("receipt", "ga@contoso.test", "pending", [])]
    send_due()
    data = api.get("/notifications", {"tenant": tenant.pk}).json()["data"]
    assert {(n["recipient"], n["status"], n["language"]) for n in data} == {
        ("ga@contoso.test", "sent", "en"), ("ba@contoso.test", "sent", "zh-Hans")}
    zh = next(n for n in data if n["language"] == "zh-Hans")
    assert zh["subject"].endswith("的收据：US$7.00") and zh["attempts"][0]["succeeded"] is True
    assert zh["event"].startswith("evt_") and zh["sent_at"] is not None


def test_another_tenants_notices_are_not_found(world):
    tenant, _admin, _sub = world
    other = make_tenant()
    _, secret = make_api_key(other)
    r = ApiClient(secret).get("/notifications", {"tenant": tenant.pk})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert ApiClient(secret).get("/notifications").json()["data"] == []


def test_muting_an_optional_kind_stops_it_and_a_required_kind_cannot_be_muted(world):
    tenant, _admin, sub = world
    _, secret = make_api_key(tenant)
    api = ApiClient(secret, language="zh-Hans")
    r = api.post(f"/tenants/{tenant.pk}/notification_settings", {"muted_kinds": ["receipt"]})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "notification_kind_required" and "无法关闭" in r.json()["error"]["message"]
    r = api.post(f"/tenants/{tenant.pk}/notification_settings", {"extra_addresses": ["not an address"]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "notification_address_invalid"
    assert api.get(f"/tenants/{tenant.pk}/notification_settings").json()["muted_kinds"] == []  # nothing changed
    r = api.post(f"/tenants/{tenant.pk}/notification_settings",
                 {"muted_kinds": ["seats_changed"], "billing_admins": False, "extra_addresses": ["AP@contoso.test"]})
    assert r.status_code == 200
    assert r.json() == {"tenant": tenant.pk, "global_admins": True, "billing_admins": False,
                        "extra_addresses": ["ap@contoso.test"], "muted_kinds": ["seats_changed"], "license_notices": False}
    Notice.objects.all().delete()
    subscription_change_quantity(actor=OPERATOR, subscription_id=sub.pk, quantity=2)
    # The seat change is muted; its prorated charge's receipt goes to the chosen recipients only.
    assert sorted(Notice.objects.values_list("kind", "recipient")) == [
        ("receipt", "ap@contoso.test"), ("receipt", "ga@contoso.test")]


def test_a_user_without_a_billing_role_cannot_change_the_settings(world):
    tenant, _admin, _sub = world
    from prorata.core.errors import Forbidden
    from prorata.notifications.services import notification_settings_update

    user = make_user(tenant, "user")
    me = Actor(kind="user", id=user.pk, label="u", tenant_id=tenant.pk, role="user")
    with pytest.raises(Forbidden):
        notification_settings_update(actor=me, tenant_id=tenant.pk, global_admins=False)


def test_the_billing_notifications_page_edits_the_recipients_and_lists_what_was_sent(world):
    tenant, admin, _sub = world
    send_due()
    client = Client()
    assert client.login(username=admin.email, password=PASSWORD)
    page = client.get("/billing/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Billing notifications" in html and "ba@contoso.test" in html and "Invoice and receipt" in html and 'href="/billing/notifications/"' in html
    r = client.post("/billing/notifications/", {"global_admins": "on", "extra_addresses": "ap@contoso.test\nbad address",
                                                "send": ["trial_ending_7d"]})
    assert r.status_code == 200 and "is not a valid e-mail address" in r.content.decode()
    r = client.post("/billing/notifications/", {"global_admins": "on", "extra_addresses": "ap@contoso.test",
                                                "send": ["trial_ending_7d"], "license_notices": "on"})
    assert r.status_code == 302
    from prorata.notifications.models import NotificationSettings

    s = NotificationSettings.objects.get(tenant=tenant)
    assert (s.global_admins, s.billing_admins, s.extra_addresses, s.license_notices) == (True, False, ["ap@contoso.test"], True)
    assert "seats_changed" in s.muted_kinds and "trial_ending_7d" not in s.muted_kinds
    zh = client.get("/billing/notifications/", headers={"Accept-Language": "zh-Hans"})
    assert zh.status_code == 200


def test_the_back_office_lists_the_notices_sent(world):
    send_due()
    operator = make_user(None, "operator", password=PASSWORD, is_superuser=True)
    client = Client()
    assert client.login(username=operator.email, password=PASSWORD)
    page = client.get("/backoffice/notifications/notice/")
    assert page.status_code == 200 and "ga@contoso.test" in page.content.decode()
    notice = Notice.objects.first()
    assert client.get(f"/backoffice/notifications/notice/{notice.pk}/change/").status_code == 200
