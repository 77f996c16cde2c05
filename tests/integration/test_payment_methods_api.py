"""Payment methods through the HTTP API: the sandbox cards, exactly one default, isolation."""

from __future__ import annotations

import pytest

from conftest import ApiClient
from factories import make_api_key, make_card, make_clock, make_tenant, utc
from prorata.audit.models import AuditEvent
from prorata.tenants.models import PaymentMethod

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


@pytest.fixture
def world() -> dict:
    # On a test clock, so that card expiry is judged at a known business time.
    clock = make_clock(utc(2026, 6, 15, 12))
    contoso, fabrikam = make_tenant(name="Contoso", test_clock=clock), make_tenant(name="Fabrikam")
    return {
        "contoso": contoso, "fabrikam": fabrikam,
        "contoso_key": ApiClient(make_api_key(contoso)[1]),
        "fabrikam_key": ApiClient(make_api_key(fabrikam)[1]),
    }


def error(response) -> tuple[int, str]:  # noqa: ANN001
    return response.status_code, response.json()["error"]["code"]


def path(tenant, *rest: str) -> str:  # noqa: ANN001
    return "/".join([f"/tenants/{tenant.pk}/payment_methods", *rest])


def defaults(tenant) -> list[str]:  # noqa: ANN001
    return list(PaymentMethod.objects.filter(tenant=tenant, is_default=True).values_list("pk", flat=True))


def test_first_card_becomes_default(world: dict) -> None:
    contoso, api = world["contoso"], world["contoso_key"]
    response = api.post(path(contoso), CARD)
    assert response.status_code == 201
    pm = PaymentMethod.objects.get()
    assert response.json() == {"id": pm.pk, "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030, "is_default": True}
    assert pm.gateway_token.startswith("sbxtok_ok_") and "4242424242424242" not in pm.gateway_token
    assert pm.created_at == utc(2026, 6, 15, 12)
    second = api.post(path(contoso), {**CARD, "card_number": "5555 5555 5555 4444", "exp_year": 28})
    assert second.status_code == 201
    assert second.json() == {
        "id": second.json()["id"], "brand": "mastercard", "last4": "4444", "exp_month": 12, "exp_year": 2028,
        "is_default": False,
    }
    assert defaults(contoso) == [pm.pk]
    added = AuditEvent.objects.filter(action="payment_method.added").order_by("id")
    assert [(e.object_id, e.after["is_default"], e.tenant_id) for e in added] == [
        (pm.pk, True, contoso.pk), (second.json()["id"], False, contoso.pk)
    ]


def test_list_payment_methods(world: dict) -> None:
    contoso = world["contoso"]
    first = make_card(contoso)
    second = make_card(contoso, "4000000000000341")
    make_card(world["fabrikam"])
    response = world["contoso_key"].get(path(contoso))
    assert response.status_code == 200
    assert response.json() == {
        "data": sorted([
            {"id": first.pk, "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2035, "is_default": True},
            {"id": second.pk, "brand": "visa", "last4": "0341", "exp_month": 12, "exp_year": 2035, "is_default": False},
        ], key=lambda pm: pm["id"]),
        "has_more": False,
    }


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"card_number": "4000000000000002"}, 402, "card_declined"),
        ({"card_number": "4242424242424241"}, 400, "invalid_card_number"),
        ({"card_number": "abcd"}, 400, "invalid_card_number"),
        ({"card_number": ""}, 400, "invalid_card_number"),
        ({"exp_month": 13}, 400, "invalid_expiry"),
        ({"exp_month": 0}, 400, "invalid_expiry"),
        ({"exp_month": -1}, 400, "invalid_expiry"),
        ({"exp_year": 99999}, 400, "invalid_expiry"),
        ({"exp_year": -2030}, 400, "invalid_expiry"),
        ({"exp_year": 2026, "exp_month": 5}, 402, "card_expired"),
        ({"exp_year": 2025}, 402, "card_expired"),
        ({"cvc": "12"}, 400, "invalid_cvc"),
        ({"cvc": "12a"}, 400, "invalid_cvc"),
        ({"cvc": 123}, 400, "validation_error"),
        ({"exp_month": "12"}, 400, "validation_error"),
        ({"exp_month": 12.0}, 400, "validation_error"),
        ({"card_cvc": "1"}, 400, "validation_error"),
    ],
)
def test_card_refusals_change_nothing(world: dict, changes: dict, status: int, code: str) -> None:
    contoso = world["contoso"]
    assert error(world["contoso_key"].post(path(contoso), {**CARD, **changes})) == (status, code)
    assert PaymentMethod.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_this_month_is_not_expired(world: dict) -> None:
    # The tenant's clock reads June 2026: a card expiring at the end of June still works.
    response = world["contoso_key"].post(path(world["contoso"]), {**CARD, "exp_year": 2026, "exp_month": 6})
    assert response.status_code == 201


def test_declined_card_message_in_both_languages(world: dict) -> None:
    contoso = world["contoso"]
    body = {**CARD, "card_number": "4000000000000002"}
    response = world["contoso_key"].post(path(contoso), body)
    assert response.json()["error"] == {
        "code": "card_declined", "message": "The card was declined. Try another card.", "details": {},
    }
    chinese = ApiClient(world["contoso_key"].secret, language="zh-Hans").post(path(contoso), body)
    assert chinese.json()["error"]["message"] == "此卡被拒绝。请换一张卡。"


def test_set_default(world: dict) -> None:
    contoso = world["contoso"]
    first, second = make_card(contoso), make_card(contoso, "5555555555554444")
    response = world["contoso_key"].post(path(contoso, second.pk, "default"))
    assert response.status_code == 200
    assert response.json() == {"id": second.pk, "brand": "mastercard", "last4": "4444", "exp_month": 12, "exp_year": 2035, "is_default": True}
    assert defaults(contoso) == [second.pk]
    event = AuditEvent.objects.get(action="payment_method.default_set")
    assert (event.before, event.after) == ({"default": first.pk}, {"default": second.pk})
    # Setting the default again changes nothing and records nothing.
    assert world["contoso_key"].post(path(contoso, second.pk, "default")).json()["is_default"] is True
    assert AuditEvent.objects.filter(action="payment_method.default_set").count() == 1


def test_removing_default_promotes_the_oldest_remaining(world: dict) -> None:
    contoso = world["contoso"]
    api = world["contoso_key"]
    ids = [api.post(path(contoso), {**CARD, "card_number": n}).json()["id"]
           for n in ("4242424242424242", "5555555555554444", "378282246310005")]
    assert defaults(contoso) == [ids[0]]
    response = api.delete(path(contoso, ids[0]))
    assert (response.status_code, response.content) == (204, b"")
    assert defaults(contoso) == [ids[1]]
    assert list(PaymentMethod.objects.filter(tenant=contoso).order_by("id").values_list("pk", flat=True)) == sorted(ids[1:])
    promoted = AuditEvent.objects.get(action="payment_method.default_set")
    assert (promoted.object_id, promoted.before, promoted.after) == (ids[1], {"default": ids[0]}, {"default": ids[1]})
    assert AuditEvent.objects.get(action="payment_method.removed").object_id == ids[0]


def test_removing_a_non_default_card_keeps_the_default(world: dict) -> None:
    contoso = world["contoso"]
    first, second = make_card(contoso), make_card(contoso, "5555555555554444")
    assert world["contoso_key"].delete(path(contoso, second.pk)).status_code == 204
    assert defaults(contoso) == [first.pk]
    assert not AuditEvent.objects.filter(action="payment_method.default_set").exists()


def test_removing_the_last_card_leaves_no_default_and_the_next_becomes_default(world: dict) -> None:
    contoso = world["contoso"]
    only = make_card(contoso)
    assert world["contoso_key"].delete(path(contoso, only.pk)).status_code == 204
    assert PaymentMethod.objects.filter(tenant=contoso).count() == 0
    assert world["contoso_key"].post(path(contoso), CARD).json()["is_default"] is True


def test_another_tenants_cards_are_not_found(world: dict) -> None:
    contoso, fabrikam = world["contoso"], world["fabrikam"]
    theirs = make_card(fabrikam)
    mine = make_card(contoso)
    spy = world["contoso_key"]
    assert error(spy.get(path(fabrikam))) == (404, "not_found")
    assert error(spy.post(path(fabrikam), CARD)) == (404, "not_found")
    assert error(spy.delete(path(fabrikam, theirs.pk))) == (404, "not_found")
    assert error(spy.post(path(fabrikam, theirs.pk, "default"))) == (404, "not_found")
    # Through its own tenant's path, another tenant's card id is still not found.
    assert error(spy.delete(path(contoso, theirs.pk))) == (404, "not_found")
    assert error(spy.post(path(contoso, theirs.pk, "default"))) == (404, "not_found")
    assert error(spy.delete(path(contoso, "pm_missing"))) == (404, "not_found")
    assert PaymentMethod.objects.filter(tenant=fabrikam).count() == 1
    assert defaults(fabrikam) == [theirs.pk] and defaults(contoso) == [mine.pk]
    assert AuditEvent.objects.count() == 0


def test_operator_manages_cards_of_any_tenant(world: dict) -> None:
    fabrikam = world["fabrikam"]
    operator = ApiClient(make_api_key()[1])
    response = operator.post(path(fabrikam), CARD)
    assert (response.status_code, response.json()["is_default"]) == (201, True)
    assert [pm["id"] for pm in operator.get(path(fabrikam)).json()["data"]] == [response.json()["id"]]


def test_malformed_json(world: dict) -> None:
    assert error(world["contoso_key"].post(path(world["contoso"]), raw="{card")) == (400, "invalid_json")
    assert PaymentMethod.objects.count() == 0
