"""A revoked API key stops authenticating at once: from the service, the back office and the CLI."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import ApiClient
from factories import make_api_key, make_tenant, make_user
from prorata.audit.models import AuditEvent
from prorata.cli import main
from prorata.core.actor import SYSTEM, Actor
from prorata.core.errors import Forbidden, NotFound
from prorata.tenants.models import ApiKey
from prorata.tenants.services import apikey_revoke

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_a_revoked_key_is_refused_and_the_revocation_audited():
    tenant = make_tenant()
    key, secret = make_api_key(tenant)
    api = ApiClient(secret)
    assert api.get(f"/tenants/{tenant.pk}").status_code == 200

    apikey_revoke(actor=SYSTEM, key_id=key.pk)
    apikey_revoke(actor=SYSTEM, key_id=key.pk)  # twice changes nothing

    response = api.get(f"/tenants/{tenant.pk}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert AuditEvent.objects.filter(action="api_key.revoked", object_id=key.pk).count() == 1


def test_only_operators_revoke_and_unknown_keys_are_not_found():
    tenant = make_tenant()
    key, _secret = make_api_key(tenant)
    tenant_actor = Actor(kind="api_key", id="key_x", tenant_id=tenant.pk, role="global_admin")
    with pytest.raises(Forbidden):
        apikey_revoke(actor=tenant_actor, key_id=key.pk)
    with pytest.raises(NotFound):
        apikey_revoke(actor=SYSTEM, key_id="key_nope")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_the_back_office_revokes_selected_keys():
    operator = make_user(None, "operator", password=PASSWORD, is_superuser=True)
    client = Client()
    assert client.login(username=operator.email, password=PASSWORD)
    key, secret = make_api_key()
    response = client.post(
        "/backoffice/tenants/apikey/", {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )
    assert response.status_code == 200
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert ApiClient(secret).get("/tenants").status_code == 401


def test_the_command_line_revokes_a_key(capsys):
    key, secret = make_api_key()
    assert main(["apikey", "revoke", key.pk]) == 0
    assert f"API key {key.pk}" in capsys.readouterr().out
    assert ApiClient(secret).get("/tenants").status_code == 401
    assert main(["apikey", "revoke", "key_nope"]) != 0
