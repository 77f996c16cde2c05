"""The Users page at scale: search by name or e-mail, filter by license / role / unlicensed, sort,
and page through any number of users, with one query for all their licenses."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from factories import make_plan, make_tenant, make_user
from prorata.core.actor import SYSTEM
from prorata.licenses.services import license_assign

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _client(admin) -> Client:
    client = Client()
    assert client.login(username=admin.email, password=PASSWORD)
    return client


def test_more_than_a_page_of_users_is_paged(django_assert_max_num_queries):
    tenant = make_tenant()
    admin = make_user(tenant, role="global_admin", password=PASSWORD, email="aaa-admin@example.test", display_name="Aaa Admin")
    for n in range(104):
        make_user(tenant, email=f"person{n:03}@example.test", display_name=f"Person {n:03}")
    client = _client(admin)
    with django_assert_max_num_queries(30):
        first = client.get("/users/")
    page = first.content.decode()
    assert page.count('name="users"') == 50
    assert "1–50 of 105 users" in page and "Page 1 of 3" in page and "Previous page" not in page
    last = client.get("/users/?page=3").content.decode()
    assert last.count('name="users"') == 5 and "person103@example.test" in last and "Next page" not in last
    # Nonsense page numbers are the first page, never an error.
    assert client.get("/users/?page=abc").status_code == 200
    assert client.get("/users/?page=99999").status_code == 200


def test_search_filter_and_sort():
    tenant = make_tenant()
    admin = make_user(tenant, role="global_admin", password=PASSWORD, email="admin@example.test", display_name="Megan Bowen")
    alex = make_user(tenant, role="billing_admin", email="alex@example.test", display_name="Alex Wilber")
    lynne = make_user(tenant, email="lynne@example.test", display_name="Lynne Robbins")
    zed = make_user(tenant, email="zed@other.example", display_name="Zed Zhang")
    from factories import make_card
    from prorata.subscriptions.services import subscription_purchase

    make_card(tenant)
    sub = subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=make_plan().pk, quantity=5)
    license_assign(actor=SYSTEM, subscription_id=sub.pk, user_id=lynne.pk)
    client = _client(admin)

    def names(query: str) -> list[str]:
        html = client.get(f"/users/{query}").content.decode()
        return re.findall(r'<td><a href="/users/[^/]+/">([^<]+)</a></td>', html)

    assert names("?q=robb") == ["Lynne Robbins"]
    assert names("?q=OTHER.example") == ["Zed Zhang"]
    assert names("?role=billing_admin") == ["Alex Wilber"]
    assert names(f"?license={sub.pk}") == ["Lynne Robbins"]
    assert names("?license=none") == ["Alex Wilber", "Megan Bowen", "Zed Zhang"]
    assert names("?sort=-name") == ["Zed Zhang", "Megan Bowen", "Lynne Robbins", "Alex Wilber"]
    assert names("?sort=email") == ["Megan Bowen", "Alex Wilber", "Lynne Robbins", "Zed Zhang"]
    assert names("?role=nonsense") == [] and names("?sort=nonsense")[0] == "Alex Wilber"
    html = client.get("/users/?q=nobody").content.decode()
    assert "No user matches." in html
    sorted_page = client.get("/users/?sort=name&q=e").content.decode()
    assert 'aria-sort="ascending"><a href="?q=e&amp;sort=-name&amp;page=1"' in sorted_page
    assert alex.pk and zed.pk
