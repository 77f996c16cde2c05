"""Signed license tokens: POST /licenses/token, verified offline with /.well-known/jwks.json."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import jwt
import pytest
import time_machine
from django.test import Client
from test_subscriptions_helpers import buy, error_of, make_world

from prorata.audit.models import AuditEvent
from prorata.cli import main
from prorata.core.clock import system_clock
from prorata.licenses.models import SigningKey

pytestmark = pytest.mark.django_db


def jwks() -> jwt.PyJWKSet:
    response = Client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    return jwt.PyJWKSet.from_dict(response.json())


def verify(token: str, keys: jwt.PyJWKSet | None = None) -> dict:
    """What the vendor's application does, with no call to Prorata but the key set it keeps."""
    keys = keys or jwks()
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(token, key.key, algorithms=["EdDSA"], audience="prorata-license",
                      issuer="http://127.0.0.1:8000")


def ask(w, user, **extra):
    body = {"tenant": w.tenant.pk, "user": user.pk, "product": w.plan.product_id, **extra}
    return w.api.post("/licenses/token", body)


def test_a_token_states_the_entitlement_and_verifies_offline():
    w = make_world(users=2)
    sub = buy(w, quantity=2)
    holder, other = w.users
    assert w.api.post(f"/subscriptions/{sub['id']}/licenses", {"user": holder.pk}).status_code == 201
    before = int(time.time())
    response = ask(w, holder)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["licensed"] is True and body["subscription"] == sub["id"] and body["status"] == "active"
    header = jwt.get_unverified_header(body["token"])
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": body["kid"]}
    claims = verify(body["token"])
    assert {k: claims[k] for k in ("sub", "tenant", "product", "licensed", "subscription", "status")} == {
        "sub": holder.pk, "tenant": w.tenant.pk, "product": w.plan.product_id, "licensed": True,
        "subscription": sub["id"], "status": "active",
    }
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 3600  # the default lifetime
    assert datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")).timestamp() == claims["exp"]
    # Someone without a license gets a token that says so.
    claims = verify(ask(w, other).json()["token"])
    assert claims["licensed"] is False and claims["subscription"] is None
    # The key set has only public halves.
    keys = Client().get("/.well-known/jwks.json").json()["keys"]
    assert [set(k) for k in keys] == [{"kty", "crv", "x", "kid", "use", "alg"}]
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519"


def test_a_forged_or_altered_token_does_not_verify():
    w = make_world(users=1)
    sub = buy(w)
    w.api.post(f"/subscriptions/{sub['id']}/licenses", {"user": w.users[0].pk})
    token = ask(w, w.users[0]).json()["token"]
    header, payload, signature = token.split(".")
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "user_someone_else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{header}.{forged}.{signature}")


def test_removing_the_license_or_cancelling_shows_in_the_next_token():
    w = make_world(users=1, plan={"trial_days": 0})
    sub = buy(w)
    user = w.users[0]
    w.api.post(f"/subscriptions/{sub['id']}/licenses", {"user": user.pk})
    first = verify(ask(w, user).json()["token"])
    assert first["licensed"] is True
    assert w.api.delete(f"/subscriptions/{sub['id']}/licenses/{user.pk}").status_code == 204
    assert verify(ask(w, user).json()["token"])["licensed"] is False
    w.api.post(f"/subscriptions/{sub['id']}/licenses", {"user": user.pk})
    assert verify(ask(w, user).json()["token"])["licensed"] is True
    assert w.api.post(f"/subscriptions/{sub['id']}/cancel", {"reason": "too_expensive"}).status_code == 200
    after = verify(ask(w, user).json()["token"])
    assert after["licensed"] is False and after["status"] == "disabled"


def test_the_lifetime_is_configurable(settings):
    settings.PRORATA_LICENSE_TOKEN_TTL = 600
    w = make_world(users=1)
    token = ask(w, w.users[0]).json()["token"]
    claims = verify(token)
    assert claims["exp"] - claims["iat"] == 600
    keys = jwks()
    with time_machine.travel(time.time() + 601, tick=False), pytest.raises(jwt.ExpiredSignatureError):
        verify(token, keys)


def test_rotation_publishes_the_new_key_and_keeps_the_old_until_its_tokens_expire(capsys):
    w = make_world(users=1)
    old_token = ask(w, w.users[0]).json()["token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    assert main(["keys", "rotate"]) == 0
    out = capsys.readouterr().out
    new_kid = SigningKey.objects.get(retired_at__isnull=True).kid
    assert f"signed with key {new_kid}" in out and new_kid != old_kid
    new_token = ask(w, w.users[0]).json()["token"]
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    keys = jwks()
    assert {k.key_id for k in keys.keys} == {old_kid, new_kid}
    verify(old_token, keys)
    verify(new_token, keys)
    assert AuditEvent.objects.filter(action="license_signing_key.retired", object_id=old_kid).count() == 1
    assert AuditEvent.objects.filter(action="license_signing_key.created", object_id=new_kid).count() == 1
    # Once every token the old key signed has expired, it is no longer published.
    with time_machine.travel(system_clock.now() + timedelta(hours=1, minutes=5), tick=False):
        assert {k.key_id for k in jwks().keys} == {new_kid}


def test_only_operators_rotate_keys():
    from prorata.core.actor import Actor
    from prorata.core.errors import Forbidden
    from prorata.licenses.services import signing_key_rotate

    with pytest.raises(Forbidden):
        signing_key_rotate(actor=Actor(kind="api_key", id="k", label="t", tenant_id="ten_x", role="global_admin"))
    assert SigningKey.objects.count() == 0


def test_another_tenant_and_bad_input_are_refused_without_a_token():
    w = make_world(users=1)
    stranger = make_world()
    r = stranger.api.post("/licenses/token", {"tenant": w.tenant.pk, "user": w.users[0].pk, "product": w.plan.product_id})
    assert (r.status_code, error_of(r)["code"]) == (404, "not_found")
    r = w.api.post("/licenses/token", {"tenant": w.tenant.pk, "user": w.users[0].pk})
    assert (r.status_code, error_of(r)["code"]) == (400, "validation_error")
    r = w.api.post("/licenses/token", {"tenant": w.tenant.pk, "user": w.users[0].pk, "product": "p", "extra": 1})
    assert r.status_code == 400
    assert Client().get("/.well-known/jwks.json").json() == {"keys": []}
    assert Client().post("/.well-known/jwks.json").status_code == 405
