"""English left on Chinese pages and e-mails: the password rule on the reset page, per-field
validation messages (the browser's own, in the browser's language), back-office section names,
and the reset e-mail's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from factories import make_tenant, make_user

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "prorata"
PASSWORD = "Correct-Horse-Battery-9"


def reset_link(user) -> str:
    return f"/password-reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"


def test_the_password_rule_on_the_reset_page_is_in_chinese():
    user = make_user(make_tenant(language="zh-Hans"), "global_admin", password=PASSWORD, email="wang@example.test")
    client = Client(headers={"Accept-Language": "zh-Hans"})
    form_url = client.get(reset_link(user), follow=True).redirect_chain[-1][0]
    page = client.get(form_url).content.decode()
    # The rule is shown before it is broken, in Chinese.
    assert "你的密码必须包含至少 8 个字符。" in page
    page = client.post(form_url, {"new_password1": "abc", "new_password2": "abc"}).content.decode()
    assert "This password is too short" not in page
    assert "密码长度太短。密码必须包含至少 8 个字符。" in page


def _forms(text: str) -> list[tuple[str, str]]:
    return re.findall(r"(<form\b[^>]*>)(.*?)</form>", text, flags=re.S)


def test_no_form_leaves_field_messages_to_the_browser():
    """A `required`, `min` or `max` field in a form without `novalidate` makes the browser answer
    in its own language ("Value must be greater than or equal to 1" on a Chinese page); with
    `novalidate` the server's translated message shows under the field."""
    offenders = []
    for path in SRC.glob("*/templates/**/*.html"):
        for tag, body in _forms(path.read_text(encoding="utf-8")):
            if "novalidate" in tag:
                continue
            if re.search(r"<(input|select|textarea)\b[^>]*\b(required|min=|max=|pattern=|type=\"email\")", body):
                offenders.append(f"{path.relative_to(SRC)}: {tag[:80]}")
    assert offenders == []


def test_back_office_section_names_are_translated():
    from django.apps import apps
    from django.utils import translation

    with translation.override("zh-hans"):
        names = {app.label: str(app.verbose_name) for app in apps.get_app_configs() if app.name.startswith("prorata.")}
    english = {label: name for label, name in names.items() if re.search(r"[A-Za-z]{3,}", name)}
    assert english == {}


def test_the_back_office_index_has_no_english_section_in_chinese():
    operator = make_user(None, "operator", password=PASSWORD, email="ops@example.test", language="zh-Hans", is_superuser=True)
    client = Client()
    assert client.login(username=operator.email, password=PASSWORD)
    page = client.get("/backoffice/").content.decode()
    captions = re.findall(r'<caption>\s*<a[^>]*class="section"[^>]*>([^<]+)</a>', page)
    assert captions, page[:500]
    assert [c for c in captions if re.search(r"[A-Za-z]{3,}", c)] == []
    # And the tables of each section ("Notification settingss" before), but the task queue's own.
    rows = re.findall(r'<th scope="row"[^>]*>\s*(?:<a[^>]*>)?([^<]+)', page)
    assert len(rows) > 10
    assert [r for r in rows if re.search(r"[A-Za-z]{3,}", r.replace("API", "")) and r != "Task Results"] == []


@pytest.mark.parametrize(("account", "page"), [("zh-Hans", "en"), ("en", "zh-Hans")])
def test_the_reset_email_is_in_the_accounts_language_not_the_pages(account, page):
    user = make_user(make_tenant(language="en"), "global_admin", password=PASSWORD, email="li@example.test",
                     language=account)
    Client(headers={"Accept-Language": page}).post("/password-reset/", {"email": user.email})
    [message] = mail.outbox
    chinese = bool(re.search(r"[\u4e00-\u9fff]", message.subject + message.body))
    assert chinese == (account == "zh-Hans"), (message.subject, message.body)


def test_the_reset_email_follows_the_tenants_language_when_the_account_has_none():
    user = make_user(make_tenant(language="zh-Hans"), "global_admin", password=PASSWORD, email="zhang@example.test")
    Client(headers={"Accept-Language": "en"}).post("/password-reset/", {"email": user.email})
    [message] = mail.outbox
    assert re.search(r"[\u4e00-\u9fff]", message.subject)
