"""Assigning, listing and removing licenses, and the license check, through the API."""

from __future__ import annotations

import pytest
from test_subscriptions_helpers import T0, buy, error_of, make_world

from factories import make_user
from prorata.audit.models import AuditEvent
from prorata.licenses.models import License
from prorata.subscriptions.models import Subscription

pytestmark = pytest.mark.django_db


def test_assign_list_remove() -> None:
    w = make_world(users=3)
    sub_id = buy(w, quantity=2)["id"]
    a, b, c = w.users
    r = w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": a.pk})
    assert r.status_code == 201
    lic = r.json()
    assert (lic["subscription"], lic["user"], lic["email"], lic["assigned_at"]) == (sub_id, a.pk, a.email, "2026-02-01T11:00:00Z")
    assert w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": b.pk}).status_code == 201

    # full
    r = w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": c.pk})
    assert r.status_code == 409
    assert error_of(r)["code"] == "no_licenses_available"
    assert error_of(r)["details"] == {"quantity": 2, "assigned_licenses": 2}
    assert "2" in error_of(r)["message"]
    # twice
    r = w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": a.pk})
    assert (r.status_code, error_of(r)["code"]) == (409, "license_already_assigned")

    page = w.api.get(f"/subscriptions/{sub_id}/licenses").json()
    assert [x["user"] for x in page["data"]] == [a.pk, b.pk] and page["has_more"] is False
    assert w.api.get(f"/subscriptions/{sub_id}").json()["assigned_licenses"] == 2

    assert w.api.delete(f"/subscriptions/{sub_id}/licenses/{a.pk}").status_code == 204
    r = w.api.delete(f"/subscriptions/{sub_id}/licenses/{a.pk}")
    assert (r.status_code, error_of(r)["code"]) == (404, "license_not_found")
    assert w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": c.pk}).status_code == 201
    assert set(License.objects.filter(subscription_id=sub_id).values_list("user_id", flat=True)) == {b.pk, c.pk}

    actions = list(AuditEvent.objects.filter(object_type="license").values_list("action", flat=True))
    assert actions == ["license.assigned", "license.assigned", "license.removed", "license.assigned"]
    removed = AuditEvent.objects.get(action="license.removed")
    assert removed.before["user"] == a.pk and removed.before["id"] == removed.object_id and removed.after is None
    assert removed.details == {"reason": "unassigned", "assigned_licenses": 1, "quantity": 2}


def test_users_of_another_tenant_and_staff_are_not_found() -> None:
    w = make_world()
    stranger = make_world(users=1)
    sub_id = buy(w, quantity=5)["id"]
    r = w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": stranger.users[0].pk})
    assert (r.status_code, error_of(r)["code"]) == (404, "not_found")
    engineer = make_user(None, role="support_engineer")
    assert w.op.post(f"/subscriptions/{sub_id}/licenses", {"user": engineer.pk}).status_code == 404
    assert w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": "user_missing"}).status_code == 404
    assert not License.objects.exists()


def test_another_tenants_subscription_is_not_found() -> None:
    w = make_world(users=1)
    stranger = make_world(users=1)
    their_sub = buy(stranger)["id"]
    r = w.api.post(f"/subscriptions/{their_sub}/licenses", {"user": w.users[0].pk})
    assert r.status_code == 404
    assert w.api.get(f"/subscriptions/{their_sub}/licenses").status_code == 404
    assert w.api.delete(f"/subscriptions/{their_sub}/licenses/{stranger.users[0].pk}").status_code == 404
    # the operator may
    assert w.op.post(f"/subscriptions/{their_sub}/licenses", {"user": stranger.users[0].pk}).status_code == 201


@pytest.mark.parametrize("status", ["expired", "disabled", "deleted"])
def test_no_assignment_outside_assignable_statuses(status: str) -> None:
    w = make_world(users=1)
    sub_id = buy(w)["id"]
    Subscription.objects.filter(pk=sub_id).update(status=status)
    r = w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": w.users[0].pk})
    assert (r.status_code, error_of(r)["code"]) == (409, "subscription_not_active")
    assert error_of(r)["details"] == {"status": status}


def test_a_trial_can_assign() -> None:
    w = make_world(users=1, card=None)
    sub_id = buy(w, trial=True)["id"]
    assert w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": w.users[0].pk}).status_code == 201


def test_list_pagination() -> None:
    w = make_world(users=3)
    sub_id = buy(w, quantity=3)["id"]
    for u in w.users:
        w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": u.pk})
    first = w.api.get(f"/subscriptions/{sub_id}/licenses", {"limit": 2}).json()
    assert len(first["data"]) == 2 and first["has_more"] is True
    rest = w.api.get(f"/subscriptions/{sub_id}/licenses", {"limit": 2, "starting_after": first["data"][-1]["id"]}).json()
    assert [x["user"] for x in rest["data"]] == [w.users[2].pk] and rest["has_more"] is False
    r = w.api.get(f"/subscriptions/{sub_id}/licenses", {"limit": 101})
    assert r.status_code == 400


@pytest.mark.parametrize(("status", "licensed"), [
    ("trialing", True), ("active", True), ("past_due", True), ("expired", True), ("disabled", False), ("deleted", False),
])
def test_license_check_follows_entitlement(status: str, licensed: bool) -> None:
    w = make_world(users=2)
    sub_id = buy(w, quantity=2)["id"]
    holder, other = w.users
    w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": holder.pk})
    Subscription.objects.filter(pk=sub_id).update(status=status)
    q = {"tenant": w.tenant.pk, "user": holder.pk, "product": w.plan.product_id}
    body = w.api.get("/licenses/check", q).json()
    assert body["licensed"] is licensed
    assert body["subscription"]["id"] == sub_id and body["subscription"]["status"] == status
    body = w.api.get("/licenses/check", {**q, "user": other.pk}).json()
    assert body == {"licensed": False, "subscription": None}


def test_license_check_prefers_an_entitled_subscription_and_is_tenant_scoped() -> None:
    w = make_world(users=1)
    old = buy(w)["id"]
    new = buy(w)["id"]
    u = w.users[0]
    w.api.post(f"/subscriptions/{old}/licenses", {"user": u.pk})
    w.api.post(f"/subscriptions/{new}/licenses", {"user": u.pk})
    Subscription.objects.filter(pk=old).update(status="disabled")
    body = w.api.get("/licenses/check", {"tenant": w.tenant.pk, "user": u.pk, "product": w.plan.product_id}).json()
    assert body["licensed"] is True and body["subscription"]["id"] == new
    stranger = make_world()
    r = stranger.api.get("/licenses/check", {"tenant": w.tenant.pk, "user": u.pk, "product": w.plan.product_id})
    assert r.status_code == 404
    r = w.api.get("/licenses/check", {"tenant": w.tenant.pk, "user": u.pk})
    assert (r.status_code, error_of(r)["code"]) == (400, "validation_error")


def test_assigned_at_is_business_time() -> None:
    w = make_world(users=1)
    sub_id = buy(w)["id"]
    w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": w.users[0].pk})
    assert License.objects.get().assigned_at == T0


def test_license_check_shows_the_subscription_as_the_subscription_route_does() -> None:
    w = make_world(users=2)
    sub_id = buy(w, quantity=2)["id"]
    w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": w.users[0].pk})
    body = w.api.get("/licenses/check", {"tenant": w.tenant.pk, "user": w.users[0].pk, "product": w.plan.product_id})
    assert body["Content-Type"] == w.api.get(f"/subscriptions/{sub_id}")["Content-Type"]
    assert body.json() == {"licensed": True, "subscription": w.api.get(f"/subscriptions/{sub_id}").json()}
    assert body.json()["subscription"]["assigned_licenses"] == 1


@pytest.mark.postgres
def test_on_postgresql_the_check_is_a_prepared_statement() -> None:
    """Planned once per connection, not on every sign-in the vendor's app checks."""
    from django.db import connection

    w = make_world(users=1)
    sub_id = buy(w)["id"]
    w.api.post(f"/subscriptions/{sub_id}/licenses", {"user": w.users[0].pk})
    q = {"tenant": w.tenant.pk, "user": w.users[0].pk, "product": w.plan.product_id}
    for _ in range(2):
        assert w.api.get("/licenses/check", q).json()["licensed"] is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%licenses_license%"])
        statements = [row[0] for row in cursor.fetchall()]
    assert len(statements) == 1 and '"licenses_license"."user_id" = $2' in statements[0]
