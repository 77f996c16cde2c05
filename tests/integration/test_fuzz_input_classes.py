"""Hostile input classes on every operation of the OpenAPI document, with real objects behind the
ids: bodies over the size limit, JSON nested 100 000 deep, lone surrogates in every string field
and in the query, and dates at the calendar's edges with extreme offsets in every date-time field.
No server error on either database; each is refused with its code, and nothing changes."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.test import Client
from test_fuzz_cross_tenant import body_for, path_value, snapshot, world_b

from factories import make_api_key
from prorata.api import api

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
EXTREME_TIMES = [
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2026-03-01T00:00:00+99:00",
    "9999-12-31T23:59:59.999999-00:01", "0001-01-01T00:00:00+00:01", "2026-03-01T25:00:00Z",
]


@pytest.fixture
def operator_secret(settings):
    settings.PRORATA_RATE_LIMIT = 0
    _, secret = make_api_key()
    return secret


def _operations(ids):
    document = api.get_openapi_schema()
    components = document.get("components", {}).get("schemas", {})
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            concrete, complete = path, True
            for param in operation.get("parameters", []):
                if param["in"] == "path":
                    value = path_value(path, param["name"], ids) or "x_missing"
                    concrete = concrete.replace("{" + param["name"] + "}", value)
            body, _ = body_for(operation, components, ids)
            ref = (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                   .get("schema", {}).get("$ref", ""))
            schema = components.get(ref.rsplit("/", 1)[-1], {})
            yield method.upper(), concrete, operation, body, schema, complete


def _send(client: Client, method: str, path: str, raw: str | bytes | None, headers: dict, query: str = ""):
    url = path + (f"?{query}" if query else "")
    if method == "GET":
        return client.get(url, headers=headers)
    if method == "DELETE":
        return client.delete(url, headers=headers)
    return client.generic(method, url, raw if raw is not None else b"{}", content_type="application/json", headers=headers)


def _is_datetime(prop: dict) -> bool:
    options = [prop, *prop.get("anyOf", []), *prop.get("allOf", [])]
    return any(o.get("format") in ("date-time", "date") for o in options)


def _is_string(prop: dict) -> bool:
    options = [prop, *prop.get("anyOf", [])]
    return any(o.get("type") == "string" for o in options)


def test_hostile_input_classes_give_no_server_error_and_change_nothing(operator_secret):
    ids, b_key = world_b()
    before = snapshot()
    client = Client(raise_request_exception=False)
    statuses: Counter = Counter()
    server_errors: list[tuple] = []
    codes: Counter = Counter()
    for key in (operator_secret, b_key):
        headers = {"Authorization": f"Bearer {key}"}
        for method, path, operation, body, schema, _ in _operations(ids):
            cases: list[tuple[str, str | bytes | None, str, str | None]] = []
            if method in ("POST", "PUT", "PATCH"):
                cases.append(("big", b'{"x":"' + b"a" * (1024 * 1024 + 10) + b'"}', "", "request_too_large"))
                cases.append(("deep", "[" * 100_000 + "]" * 100_000, "", "json_too_deep"))
                cases.append(("deep_object", '{"a":' * 50_000 + "1" + "}" * 50_000, "", "json_too_deep"))
                for name, prop in schema.get("properties", {}).items():
                    if _is_string(prop) or name in (body or {}):
                        cases.append((f"surrogate:{name}", json.dumps({**(body or {}), name: "a\ud800b"}), "", "invalid_text"))
                    if _is_datetime(prop):
                        for at in EXTREME_TIMES:
                            cases.append((f"time:{name}={at}", json.dumps({**(body or {}), name: at}), "", None))
            for param in operation.get("parameters", []):
                if param["in"] != "query":
                    continue
                cases.append((f"query-surrogate:{param['name']}", json.dumps(body) if body else None,
                               f"{param['name']}=%ED%A0%80", None))
                for at in EXTREME_TIMES:
                    from urllib.parse import quote

                    cases.append((f"query-time:{param['name']}", json.dumps(body) if body else None,
                                  f"{param['name']}={quote(at)}", None))
            cases.append(("path-surrogate", None, "", None))
            for label, raw, query, expected in cases:
                target = path.removesuffix("/") + "/%ED%A0%80" if label == "path-surrogate" else path
                response = _send(client, method, target, raw, headers, query)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    server_errors.append((method, path, label, response.status_code))
                    continue
                if expected is not None:
                    assert response.status_code in (400, 413), (method, path, label, response.content[:300])
                    code = response.json()["error"]["code"]
                    assert code == expected, (method, path, label, code)
                    codes[code] += 1
    print(f"hostile input classes: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}, "
          f"codes {dict(codes)}, server errors {len(server_errors)}")
    assert server_errors == []
    assert codes["request_too_large"] and codes["json_too_deep"] and codes["invalid_text"]
    assert snapshot() == before
