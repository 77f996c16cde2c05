"""A claimed callback request is finished by the engineer who claimed it (or an operator)."""

from __future__ import annotations

import pytest
from test_subscriptions_helpers import buy, make_world

from factories import make_user
from prorata.core.actor import Actor
from prorata.core.errors import Conflict
from prorata.support.models import CallbackRequest
from prorata.support.services import callback_request_claim, callback_request_resolve

pytestmark = pytest.mark.django_db


def _engineer() -> Actor:
    user = make_user(None, role="support_engineer")
    return Actor(kind="user", id=user.pk, label=user.display_name, is_support=True, role="support_engineer")


def _claimed_request():
    world = make_world()
    sub_id = buy(world)["id"]
    response = world.api.post("/callback_requests", {"subscription": sub_id, "phone": "+12065550100", "language": "en"})
    assert response.status_code == 201, response.content
    claimer = _engineer()
    callback_request_claim(actor=claimer, request_id=response.json()["id"])
    return world, response.json()["id"], claimer


def test_another_engineer_cannot_resolve_a_claimed_request():
    _world, request_id, _claimer = _claimed_request()
    with pytest.raises(Conflict) as refused:
        callback_request_resolve(actor=_engineer(), request_id=request_id, outcome="no_answer")
    assert refused.value.code == "callback_claimed_by_another"
    assert CallbackRequest.objects.get(pk=request_id).status == "in_progress"


def test_the_claimer_and_an_operator_can_resolve():
    _world, request_id, claimer = _claimed_request()
    assert callback_request_resolve(actor=claimer, request_id=request_id, outcome="no_answer").status == "resolved"
    world, other_id, _claimer = _claimed_request()
    response = world.op.post(f"/callback_requests/{other_id}/resolve", {"outcome": "resolved_other"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
