"""The API documents itself, from the project alone."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_lists_the_contract():
    spec = Client().get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Prorata API"
    paths = spec["paths"]
    for path in ("/api/v1/subscriptions/{subscription_id}/cancellation", "/api/v1/licenses/check", "/api/v1/tenants"):
        assert any(p.startswith(path.split("{")[0]) for p in paths), path


def test_docs_page_loads_nothing_from_the_internet():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []


def test_chinese_messages_are_sent_as_utf8_text():
    response = Client().get("/api/v1/tenants", headers={"Accept-Language": "zh-Hans"})
    assert response.status_code == 401
    assert "登录".encode() in response.content


def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicated, f"duplicated keys in the OpenAPI document: {duplicated}"
    return dict(pairs)


def test_the_openapi_document_is_valid_as_served():
    """The served bytes, read with a parser that refuses duplicated keys (as YAML readers and
    Swagger UI do), validate as OpenAPI with openapi-spec-validator."""
    import json

    from openapi_spec_validator import validate

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content, object_pairs_hook=_no_duplicate_keys)
    validate(document)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            limited = operation["responses"]["429"]
            assert "Retry-After" in limited.get("headers", {}), (method, path)
