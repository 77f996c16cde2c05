"""Users at scale: edit name and role, removal restorable for 30 days, select all matching across
pages, CSV export and import with a preview and per-row errors."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from factories import make_card, make_clock, make_plan, make_tenant, make_user, utc
from prorata.audit.models import AuditEvent
from prorata.core.actor import Actor
from prorata.licenses.models import License
from prorata.subscriptions.services import subscription_purchase
from prorata.tenants.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough pass phrase 16"
OPERATOR = Actor(kind="api_key", id="key_op", label="operator", is_operator=True, role="operator")


@pytest.fixture
def org():
    clock = make_clock(utc(2026, 5, 1, 9))
    tenant = make_tenant(test_clock=clock)
    admin = make_user(tenant, "global_admin", password=PASSWORD, display_name="Ada Admin", email="ada@contoso.test")
    client = Client()
    assert client.login(username=admin.email, password=PASSWORD)
    return tenant, admin, client, clock


def _zh(client: Client) -> Client:
    client.post("/language/", {"language": "zh-Hans", "next": "/"})
    return client


def test_a_users_name_and_role_are_edited_and_audited(org):
    tenant, admin, client, _ = org
    person = make_user(tenant, "user", display_name="Bo")
    assert f'href="/users/{person.pk}/edit/"' in client.get(f"/users/{person.pk}/").content.decode()
    done = client.post(f"/users/{person.pk}/edit/", {"display_name": "Bo Chen", "role": "billing_admin"})
    assert done.status_code == 302
    person.refresh_from_db()
    assert (person.display_name, person.role) == ("Bo Chen", "billing_admin")
    event = AuditEvent.objects.get(action="user.updated", object_id=person.pk)
    assert event.after == {"display_name": "Bo Chen", "role": "billing_admin"}


def test_the_last_global_admin_keeps_the_role_with_a_translated_reason(org):
    tenant, admin, client, _ = org
    other = make_user(tenant, "global_admin")
    own = _zh(client).post(f"/users/{admin.pk}/edit/", {"display_name": "Ada", "role": "user"})
    assert own.status_code == 400 and "不能取消自己的全局管理员角色" in own.content.decode()
    from prorata.core.errors import Conflict
    from prorata.tenants.services import user_update

    assert client.post(f"/users/{other.pk}/edit/", {"display_name": "Ex admin", "role": "user"}).status_code == 302
    with pytest.raises(Conflict) as last:
        user_update(actor=OPERATOR, tenant=tenant, user_id=admin.pk, display_name="Ada", role="user")
    assert last.value.code == "last_global_admin"
    admin.refresh_from_db()
    assert admin.role == "global_admin"


def test_a_removed_user_is_restorable_for_30_days(org):
    tenant, admin, client, clock = org
    make_card(tenant)
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=make_plan().pk, quantity=2)
    person = make_user(tenant, "user", password=PASSWORD, display_name="Cy", email="cy@contoso.test")
    License.objects.create(tenant=tenant, subscription=sub, user=person, assigned_at=clock.frozen_time)
    page = client.get(f"/users/{person.pk}/remove/").content.decode()
    assert "restore this user under Deleted users for 30 days" in page
    assert client.post(f"/users/{person.pk}/remove/").status_code == 302
    assert not License.objects.filter(user=person).exists()
    assert "cy@contoso.test" not in client.get("/users/").content.decode()
    assert not Client().login(username="cy@contoso.test", password=PASSWORD)
    deleted = client.get("/users/deleted/").content.decode()
    assert "cy@contoso.test" in deleted and "May 31, 2026" in deleted
    again = client.post("/users/add/", {"display_name": "Cy", "email": "cy@contoso.test", "role": "user"})
    assert "Restore them under Deleted users" in again.content.decode()
    assert client.post(f"/users/{person.pk}/restore/").status_code == 302
    person.refresh_from_db()
    assert person.deleted_at is None and person.is_active
    assert Client().login(username="cy@contoso.test", password=PASSWORD)
    assert AuditEvent.objects.filter(action="user.restored", object_id=person.pk).count() == 1


def test_past_30_days_a_removed_user_cannot_be_restored_and_the_address_is_free(org):
    tenant, admin, client, clock = org
    person = make_user(tenant, "user", email="dee@contoso.test")
    client.post(f"/users/{person.pk}/remove/")
    clock.frozen_time = clock.frozen_time + timedelta(days=31)
    clock.save()
    assert "dee@contoso.test" not in client.get("/users/deleted/").content.decode()
    late = client.post(f"/users/{person.pk}/restore/", follow=True)
    assert "can no longer be restored" in late.content.decode()
    added = client.post("/users/add/", {"display_name": "Dee again", "email": "dee@contoso.test", "role": "user"})
    assert added.status_code == 302
    assert User.objects.get(email="dee@contoso.test").display_name == "Dee again"


def test_select_all_matching_assigns_across_pages(org):
    tenant, admin, client, _ = org
    make_card(tenant)
    sub = subscription_purchase(actor=OPERATOR, tenant_id=tenant.pk, plan_id=make_plan().pk, quantity=100)
    for n in range(60):
        make_user(tenant, "user", display_name=f"Sales {n:02}", email=f"sales{n:02}@contoso.test")
    make_user(tenant, "user", display_name="Other person", email="other@contoso.test")
    page = client.get("/users/?q=sales").content.decode()
    assert "Apply to all 60 matching users, on every page" in page
    done = client.post("/licenses/", {"all_matching": "yes", "q": "sales", "role": "", "license": "",
                                      "subscription": sub.pk, "action": "assign"}, follow=True)
    assert "Licenses were assigned to 60 users." in done.content.decode()
    assert License.objects.filter(subscription=sub).count() == 60
    assert not License.objects.filter(user__email="other@contoso.test").exists()
    client.post("/licenses/", {"all_matching": "yes", "q": "sales", "subscription": sub.pk, "action": "remove"})
    assert License.objects.filter(subscription=sub).count() == 0


def test_users_export_as_csv_with_the_pages_filters(org):
    tenant, admin, client, _ = org
    make_user(tenant, "billing_admin", display_name="Bea Bills", email="bea@contoso.test")
    make_user(tenant, "user", display_name="Zed", email="zed@contoso.test")
    everyone = client.get("/users/export.csv")
    assert everyone["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(everyone.content.decode())))
    assert [r["email"] for r in rows] == ["ada@contoso.test", "bea@contoso.test", "zed@contoso.test"]
    assert rows[1]["role"] == "billing_admin"
    page = client.get("/users/?role=billing_admin").content.decode()
    assert 'href="/users/export.csv?role=billing_admin"' in page
    filtered = list(csv.DictReader(io.StringIO(client.get("/users/export.csv?role=billing_admin").content.decode())))
    assert [r["email"] for r in filtered] == ["bea@contoso.test"]


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("users.csv", text.encode("utf-8"), content_type="text/csv")


def test_import_previews_every_change_and_row_error_then_applies(org):
    tenant, admin, client, _ = org
    make_user(tenant, "user", display_name="Old Name", email="eve@contoso.test")
    make_user(make_tenant(), "user", email="elsewhere@fabrikam.test")
    text = ("email,display_name,role\n"
            "new1@contoso.test,New One,user\n"
            "EVE@contoso.test,Eve Renamed,billing_admin\n"
            "ada@contoso.test,Ada Admin,global_admin\n"
            "not-an-email,Bad,user\n"
            "new2@contoso.test,New Two,boss\n"
            "new1@contoso.test,Twice,user\n"
            "elsewhere@fabrikam.test,Else,user\n")
    preview = client.post("/users/import/", {"file": _upload(text)})
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Old Name → Eve Renamed" in page
    assert "is not a valid email address" in page and "The role must be" in page
    assert "appears more than once" in page and "already exists" in page
    assert not User.objects.filter(email="new1@contoso.test").exists()  # nothing before the confirm
    applied = client.post("/users/import/", {"confirm": "yes"}, follow=True)
    assert "Import done: 1 added, 1 updated, 0 unchanged." in applied.content.decode()
    assert User.objects.get(email="new1@contoso.test").display_name == "New One"
    eve = User.objects.get(email="eve@contoso.test")
    assert (eve.display_name, eve.role) == ("Eve Renamed", "billing_admin")
    assert not User.objects.filter(email="new2@contoso.test").exists()
    again = client.post("/users/import/", {"confirm": "yes"}, follow=True)
    assert "The preview has expired" in again.content.decode()


def test_import_refuses_a_file_that_is_not_csv_in_the_readers_language(org):
    tenant, admin, client, _ = org
    _zh(client)
    bad = client.post("/users/import/", {"file": SimpleUploadedFile("u.csv", b"\xff\xfe\x00bad", content_type="text/csv")})
    assert bad.status_code == 400 and "UTF-8" in bad.content.decode() and "文件不是 UTF-8 文本" in bad.content.decode()
    headless = client.post("/users/import/", {"file": _upload("name,role\nA,user\n")})
    assert headless.status_code == 400 and "email, display_name, role" in headless.content.decode()
