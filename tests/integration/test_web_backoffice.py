"""The back office: operators only, every change through a service (audited), refusals shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from factories import make_clock, make_tenant, make_user
from prorata.audit.models import AuditEvent
from prorata.catalog.models import Product
from prorata.tenants.models import ApiKey, TestClock

pytestmark = pytest.mark.django_db
PASSWORD = "Operator-Passphrase-42"


@pytest.fixture
def operator_client() -> Client:
    operator = make_user(None, "operator", password=PASSWORD, is_superuser=True)
    client = Client()
    assert client.login(username=operator.email, password=PASSWORD)
    return client


def test_only_operators_open_the_back_office():
    tenant = make_tenant()
    admin = make_user(tenant, "global_admin", password=PASSWORD)
    client = Client()
    client.login(username=admin.email, password=PASSWORD)
    assert client.get("/backoffice/").status_code == 302


def test_adding_a_product_goes_through_the_service(operator_client):
    response = operator_client.post(
        "/backoffice/catalog/product/add/", {"code": "office-e5", "name": "Office 365 E5", "names": '{"zh-Hans": "企业版 E5"}'}
    )
    assert response.status_code == 302
    product = Product.objects.get(code="office-e5")
    assert product.names == {"zh-Hans": "企业版 E5"}
    assert AuditEvent.objects.filter(action="product.created", object_id=product.pk).count() == 1
    again = operator_client.post("/backoffice/catalog/product/add/", {"code": "office-e5", "name": "Again", "names": "{}"}, follow=True)
    assert Product.objects.filter(code="office-e5").count() == 1
    assert again.status_code == 200


def test_an_api_key_secret_is_shown_once(operator_client):
    tenant = make_tenant()
    response = operator_client.post("/backoffice/tenants/apikey/add/", {"kind": "tenant", "tenant": tenant.pk, "name": "CI"}, follow=True)
    key = ApiKey.objects.get(tenant=tenant)
    assert "The secret key is shown only now" in response.content.decode()
    assert AuditEvent.objects.filter(action="api_key.created", object_id=key.pk).count() == 1


def test_a_test_clock_only_moves_forward(operator_client):
    clock = make_clock(datetime(2026, 3, 1, tzinfo=UTC))
    url = f"/backoffice/tenants/testclock/{clock.pk}/change/"
    operator_client.post(url, {"frozen_time_0": "2026-02-01", "frozen_time_1": "00:00:00"})
    clock.refresh_from_db()
    assert clock.frozen_time == datetime(2026, 3, 1, tzinfo=UTC)
    operator_client.post(url, {"frozen_time_0": "2026-03-05", "frozen_time_1": "12:00:00"})
    clock.refresh_from_db()
    assert clock.frozen_time == datetime(2026, 3, 5, 12, tzinfo=UTC)
    assert AuditEvent.objects.filter(action="test_clock.advanced", object_id=clock.pk).count() == 1


def test_billing_rows_are_read_only(operator_client):
    assert operator_client.get("/backoffice/billing/invoice/add/").status_code == 403
    assert operator_client.get("/backoffice/subscriptions/subscription/").status_code == 200
    assert TestClock.objects.count() == 0


def test_add_tenant_chooses_a_country_by_name_and_keeps_the_form_on_a_mistake(operator_client):
    from prorata.tenants.models import Tenant

    form = operator_client.get("/backoffice/tenants/tenant/add/").content.decode()
    # A list of countries by name, not a two-letter box that cuts "Japan" to "Ja".
    assert '<option value="JP">Japan (JP)</option>' in form
    assert 'maxlength="2"' not in form
    data = {"name": "Tokyo Trading KK", "country": "JP", "language": "en", "currency": "JPY", "timezone": "Asia/Tokio"}
    mistake = operator_client.post("/backoffice/tenants/tenant/add/", data)
    assert mistake.status_code == 200
    page = mistake.content.decode()
    assert "Asia/Tokio" in page and 'value="Tokyo Trading KK"' in page  # nothing typed is lost
    assert "“Asia/Tokio” is not an IANA time zone name" in page
    assert not Tenant.objects.filter(name="Tokyo Trading KK").exists()
    done = operator_client.post("/backoffice/tenants/tenant/add/", {**data, "timezone": "Asia/Tokyo"})
    assert done.status_code == 302
    assert Tenant.objects.get(name="Tokyo Trading KK").country == "JP"
