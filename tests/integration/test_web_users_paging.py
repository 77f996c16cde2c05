"""The Users page pages through any number of users, with one query for all their licenses."""

from __future__ import annotations

import pytest
from django.test import Client

from factories import make_tenant, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_more_than_a_page_of_users_is_paged(django_assert_max_num_queries):
    tenant = make_tenant()
    admin = make_user(tenant, role="global_admin", password=PASSWORD, email="aaa-admin@example.test")
    for n in range(104):
        make_user(tenant, email=f"person{n:03}@example.test")
    client = Client()
    assert client.login(username=admin.email, password=PASSWORD)

    with django_assert_max_num_queries(30):
        first = client.get("/users/")
    assert first.status_code == 200
    first_page = first.content.decode()
    assert first_page.count('name="users"') == 100
    assert "Next page" in first_page and "First page" not in first_page
    after = first_page.split('/users/?after=', 1)[1].split('"', 1)[0]

    second = client.get(f"/users/?after={after}").content.decode()
    assert second.count('name="users"') == 5
    assert "Next page" not in second and "First page" in second
    emails = {line for line in (first_page + second).split() if "@example.test" in line}
    assert any("person103@example.test" in e for e in emails)


def test_a_cursor_of_another_kind_is_not_found():
    tenant = make_tenant()
    admin = make_user(tenant, role="global_admin", password=PASSWORD)
    client = Client()
    assert client.login(username=admin.email, password=PASSWORD)
    assert client.get("/users/?after=user_doesnotexist").status_code == 404
