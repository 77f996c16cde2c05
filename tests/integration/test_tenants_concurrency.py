"""Concurrent card and user changes on PostgreSQL: the tenant lock keeps exactly one default card,
and the unique email gives one user and clean 409s, never a 500."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from conftest import ApiClient
from factories import make_api_key, make_tenant
from prorata.tenants.models import PaymentMethod, User

THREADS = 12
CARDS = ("4242424242424242", "5555555555554444", "378282246310005", "4000000000000341")


def race(count: int, send) -> list:  # noqa: ANN001
    barrier = threading.Barrier(count)

    def run(i: int):  # noqa: ANN202
        try:
            barrier.wait()
            return send(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_cards_make_exactly_one_default(settings) -> None:  # noqa: ANN001
    settings.PRORATA_RATE_LIMIT = 0
    tenant = make_tenant()
    _, secret = make_api_key(tenant)

    def add(i: int) -> tuple[int, bool]:
        body = {"card_number": CARDS[i % len(CARDS)], "exp_month": 12, "exp_year": 2040, "cvc": "123"}
        r = ApiClient(secret).post(f"/tenants/{tenant.pk}/payment_methods", body)
        return r.status_code, r.json().get("is_default", False)

    results = race(THREADS, add)
    assert Counter(status for status, _ in results) == {201: THREADS}
    assert sum(1 for _, is_default in results if is_default) == 1
    assert PaymentMethod.objects.filter(tenant=tenant).count() == THREADS
    assert PaymentMethod.objects.filter(tenant=tenant, is_default=True).count() == 1

    ids = list(PaymentMethod.objects.filter(tenant=tenant).values_list("pk", flat=True))

    def set_default(i: int) -> int:
        return ApiClient(secret).post(f"/tenants/{tenant.pk}/payment_methods/{ids[i]}/default").status_code

    assert Counter(race(THREADS, set_default)) == {200: THREADS}
    assert PaymentMethod.objects.filter(tenant=tenant, is_default=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_users_with_one_email_make_one_user(settings) -> None:  # noqa: ANN001
    settings.PRORATA_RATE_LIMIT = 0
    tenant = make_tenant()
    _, secret = make_api_key(tenant)

    def create(i: int) -> tuple[int, str]:
        body = {"email": "same@contoso.test", "display_name": f"Twin {i}", "role": "user"}
        r = ApiClient(secret).post(f"/tenants/{tenant.pk}/users", body)
        return r.status_code, r.json().get("error", {}).get("code", "")

    results = race(THREADS, create)
    assert Counter(results) == {(201, ""): 1, (409, "email_taken"): THREADS - 1}
    assert User.objects.filter(email="same@contoso.test").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_removing_each_other_leave_one(settings) -> None:  # noqa: ANN001
    from factories import make_user

    settings.PRORATA_RATE_LIMIT = 0
    tenant = make_tenant()
    admins = [make_user(tenant, role="global_admin") for _ in range(2)]
    _, secret = make_api_key(tenant)

    def remove(i: int) -> tuple[int, str]:
        r = ApiClient(secret).delete(f"/tenants/{tenant.pk}/users/{admins[i].pk}")
        return r.status_code, r.json()["error"]["code"] if r.content else ""

    results = race(2, remove)
    assert Counter(results) == {(204, ""): 1, (409, "last_global_admin"): 1}
    assert User.objects.filter(tenant=tenant, role="global_admin", deleted_at__isnull=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_removing_a_user_while_seats_are_assigned_to_them(settings) -> None:  # noqa: ANN001
    from factories import make_plan, make_user, utc
    from prorata.audit.models import AuditEvent
    from prorata.licenses.models import License
    from prorata.subscriptions.models import Subscription

    settings.PRORATA_RATE_LIMIT = 0
    tenant = make_tenant()
    make_user(tenant, role="global_admin")
    leaver = make_user(tenant)
    start = utc(2026, 1, 1)
    subs = [
        Subscription.objects.create(
            tenant=tenant, plan=make_plan(), quantity=5, status="active", billing_anchor=start,
            current_period_start=start, current_period_end=utc(2100, 1, 1), status_changed_at=start, created_at=start,
        )
        for _ in range(4)
    ]
    _, secret = make_api_key(tenant)

    def act(i: int) -> int:
        api = ApiClient(secret)
        if i == len(subs):
            return api.delete(f"/tenants/{tenant.pk}/users/{leaver.pk}").status_code
        return api.post(f"/subscriptions/{subs[i].pk}/licenses", {"user": leaver.pk}).status_code

    statuses = race(len(subs) + 1, act)
    assert statuses[-1] == 204
    assert set(statuses[:-1]) <= {201, 404}
    assert User.objects.get(pk=leaver.pk).deleted_at is not None  # a deleted user, restorable
    assert License.objects.count() == 0
    # Every seat that was assigned was freed with its own audit row.
    assert AuditEvent.objects.filter(action="license.removed").count() == statuses.count(201)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_demotions_at_once_leave_one_global_admin() -> None:
    from factories import make_user
    from prorata.core.actor import Actor
    from prorata.core.errors import Conflict
    from prorata.tenants.services import user_update

    tenant = make_tenant()
    admins = [make_user(tenant, role="global_admin") for _ in range(2)]
    operator = Actor(kind="api_key", id="key_op", label="operator", is_operator=True, role="operator")

    def demote(i: int) -> str:
        try:
            user_update(actor=operator, tenant=tenant, user_id=admins[i].pk, display_name="Demoted", role="user")
        except Conflict as exc:
            return exc.code
        return "done"

    assert Counter(race(2, demote)) == {"done": 1, "last_global_admin": 1}
    assert User.objects.filter(tenant=tenant, role="global_admin").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_manual_credit_submitted_twice_at_once_is_added_once() -> None:
    from prorata.billing.models import ManualCredit
    from prorata.billing.services import tenant_credit_add
    from prorata.core.actor import Actor

    tenant = make_tenant()
    operator = Actor(kind="api_key", id="key_op", label="operator", is_operator=True, role="operator")

    def credit(_i: int) -> bool:
        return tenant_credit_add(actor=operator, tenant_id=tenant.pk, amount=2500, reason="Outage", key="k-0123456789")[1]

    assert Counter(race(THREADS, credit)) == {True: 1, False: THREADS - 1}
    tenant.refresh_from_db()
    assert tenant.credit_balance == 2500 and ManualCredit.objects.filter(tenant=tenant).count() == 1
