"""Admin-center pages through Django's test client: access, refusals, every action, no 500."""

from __future__ import annotations

import pytest
from django.test import Client

from browser.stage import PASSWORD, build_stage, build_trial_stage
from factories import make_user
from prorata.licenses.models import License
from prorata.subscriptions.models import Subscription

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def stage():
    return build_stage()


def test_every_admin_page_renders(stage):
    client = signed_in(stage.admin)
    for path in [
        "/", "/users/", "/users/add/", f"/users/{stage.users[0].pk}/", f"/users/{stage.users[0].pk}/remove/",
        "/billing/products/", f"/billing/products/{stage.big.pk}/", f"/billing/products/{stage.big.pk}/cancel/",
        f"/billing/products/{stage.small.pk}/cancel/", "/billing/bills/", "/billing/payment-methods/",
        "/support/requests/", f"/support/requests/new/?subscription={stage.big.pk}", "/help/cancel-subscription/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
