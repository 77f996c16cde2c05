"""Tenant services called directly, as the CLI and the admin-center pages call them."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from factories import make_clock, make_tenant, make_user, utc
from prorata.audit.models import AuditEvent
from prorata.catalog.services import plan_create, product_create
from prorata.core.actor import SYSTEM, Actor
from prorata.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from prorata.tenants import services
from prorata.tenants.keys import hash_secret
from prorata.tenants.models import ApiKey, PaymentMethod, User

pytestmark = pytest.mark.django_db


def as_user(user: User) -> Actor:
    return Actor(kind="user", id=user.pk, label=user.display_name, tenant_id=user.tenant_id, role=user.role)


def test_apikey_create_operator_key_works_once_shown() -> None:
    key, secret = services.apikey_create(actor=SYSTEM, kind="operator", name="ci")
    assert (key.kind, key.tenant_id, key.name, key.prefix) == ("operator", None, "ci", secret[:16])
    assert secret.startswith("prk_") and key.secret_hash == hash_secret(secret)
    assert secret not in {key.prefix, key.secret_hash}
    assert ApiClient(secret).get("/tenants").status_code == 200
    event = AuditEvent.objects.get(action="api_key.created")
    assert (event.actor, event.after) == ("system", {"kind": "operator", "name": "ci", "prefix": key.prefix})


def test_apikey_create_tenant_key_sees_only_its_tenant() -> None:
    contoso, fabrikam = make_tenant(), make_tenant()
    key, secret = services.apikey_create(actor=SYSTEM, kind="tenant", tenant_id=contoso.pk)
    assert key.tenant_id == contoso.pk
    api = ApiClient(secret)
    assert [t["id"] for t in api.get("/tenants").json()["data"]] == [contoso.pk]
    assert api.get(f"/tenants/{fabrikam.pk}").status_code == 404
    assert AuditEvent.objects.get(action="api_key.created").tenant_id == contoso.pk


@pytest.mark.parametrize(
    ("kwargs", "exc", "code"),
    [
        ({"kind": "root"}, InvalidInput, "invalid_api_key_kind"),
        ({"kind": "tenant"}, InvalidInput, "invalid_api_key_kind"),
        ({"kind": "operator", "tenant_id": "ten_x"}, InvalidInput, "invalid_api_key_kind"),
        ({"kind": "tenant", "tenant_id": "ten_missing"}, NotFound, "not_found"),
        ({"kind": "operator", "name": "x" * 201}, InvalidInput, "invalid_key_name"),
    ],
)
def test_apikey_refusals(kwargs: dict, exc: type, code: str) -> None:
    with pytest.raises(exc) as raised:
        services.apikey_create(actor=SYSTEM, **kwargs)
    assert raised.value.code == code
    assert ApiKey.objects.count() == 0


def test_only_operators_create_keys() -> None:
    tenant = make_tenant()
    admin = make_user(tenant, role="global_admin")
    with pytest.raises(Forbidden):
        services.apikey_create(actor=as_user(admin), kind="tenant", tenant_id=tenant.pk)
    assert ApiKey.objects.count() == 0


def test_roles_of_tenant_users() -> None:
    tenant = make_tenant()
    billing = as_user(make_user(tenant, role="billing_admin"))
    plain = as_user(make_user(tenant, role="user"))
    for actor in (billing, plain):
        with pytest.raises(Forbidden):
            services.user_create(actor=actor, tenant=tenant, email="n@x.test", display_name="N", role="user")
    with pytest.raises(Forbidden):
        services.payment_method_add(actor=plain, tenant=tenant, card_number="4242424242424242", exp_month=1, exp_year=2040, cvc="123")
    pm = services.payment_method_add(actor=billing, tenant=tenant, card_number="4242424242424242", exp_month=1, exp_year=2040, cvc="123")
    assert pm.is_default is True
    support = Actor(kind="user", id="user_s", is_support=True, role="support_engineer")
    with pytest.raises(Forbidden):
        services.user_create(actor=support, tenant=tenant, email="n@x.test", display_name="N", role="user")
    with pytest.raises(Forbidden):
        services.tenant_create(actor=support, name="X", country="US", language="en", currency="USD", timezone="UTC")
    with pytest.raises(Forbidden):
        product_create(actor=support, code="x", name="X")
    assert User.objects.count() == 2


def test_admin_of_another_tenant_gets_not_found() -> None:
    contoso, fabrikam = make_tenant(), make_tenant()
    outsider = as_user(make_user(fabrikam, role="global_admin"))
    victim = make_user(contoso)
    with pytest.raises(NotFound):
        services.user_remove(actor=outsider, tenant=contoso, user_id=victim.pk)
    with pytest.raises(NotFound):
        services.user_set_password(actor=outsider, user=victim, password="a long new passphrase")
    assert User.objects.filter(pk=victim.pk).exists()


def test_cannot_remove_self() -> None:
    tenant = make_tenant()
    me = make_user(tenant, role="global_admin")
    make_user(tenant, role="global_admin")
    with pytest.raises(Conflict) as raised:
        services.user_remove(actor=as_user(me), tenant=tenant, user_id=me.pk)
    assert raised.value.code == "cannot_remove_self"
    assert User.objects.filter(pk=me.pk).exists()


def test_set_password() -> None:
    tenant = make_tenant()
    admin, user = make_user(tenant, role="global_admin"), make_user(tenant, password="old passphrase 1")
    services.user_set_password(actor=as_user(user), user=user, password="a brand new passphrase")
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")
    services.user_set_password(actor=as_user(admin), user=user, password="reset by the admin 2")
    user.refresh_from_db()
    assert user.check_password("reset by the admin 2")
    events = AuditEvent.objects.filter(action="user.password_changed")
    assert events.count() == 2 and all(e.after is None and e.before is None for e in events)
    with pytest.raises(InvalidInput) as raised:
        services.user_set_password(actor=as_user(user), user=user, password="123")
    assert raised.value.code == "invalid_password"
    other = make_user(tenant)
    with pytest.raises(Forbidden):
        services.user_set_password(actor=as_user(other), user=user, password="someone else's pass")
    user.refresh_from_db()
    assert user.check_password("reset by the admin 2")


def test_set_language() -> None:
    clock = make_clock(utc(2026, 4, 1))
    tenant = make_tenant(test_clock=clock)
    user = make_user(tenant)
    assert services.user_set_language(actor=as_user(user), user=user, language="zh-Hans").language == "zh-Hans"
    user.refresh_from_db()
    assert user.language == "zh-Hans"
    event = AuditEvent.objects.get(action="user.updated")
    assert (event.before, event.after, event.occurred_at) == ({"language": ""}, {"language": "zh-Hans"}, utc(2026, 4, 1))
    services.user_set_language(actor=as_user(user), user=user, language="")
    user.refresh_from_db()
    assert user.language == ""
    with pytest.raises(InvalidInput) as raised:
        services.user_set_language(actor=as_user(user), user=user, language="de")
    assert raised.value.code == "invalid_language"


def test_set_default_keeps_exactly_one() -> None:
    tenant = make_tenant()
    cards = [
        services.payment_method_add(actor=SYSTEM, tenant=tenant, card_number=n, exp_month=1, exp_year=2040, cvc="123")
        for n in ("4242424242424242", "5555555555554444", "4000000000000341")
    ]
    for pm in (cards[2], cards[0], cards[1], cards[1]):
        services.payment_method_set_default(actor=SYSTEM, tenant=tenant, payment_method_id=pm.pk)
        assert list(PaymentMethod.objects.filter(tenant=tenant, is_default=True).values_list("pk", flat=True)) == [pm.pk]


def test_catalog_from_the_cli() -> None:
    product = product_create(actor=SYSTEM, code="e3", name="E3", names={"zh-Hans": "E3 企业版"})
    plan = plan_create(actor=SYSTEM, product_id=product.pk, code="e3-y", name="E3 yearly", currency="CNY",
                       unit_amount=240000, interval="year", trial_days=30, policy={"cancel_window_hours": 168})
    assert (plan.currency, plan.unit_amount, plan.trial_days, plan.cancel_window_hours) == ("CNY", 240000, 30, 168)
    assert AuditEvent.objects.filter(action__in=["product.created", "plan.created"], actor="system").count() == 2
