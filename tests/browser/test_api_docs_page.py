"""/api/v1/docs renders the whole OpenAPI document in Chromium: no console error, no script
error, every operation listed (Swagger UI refuses a document with duplicated keys)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_every_operation_without_errors(page, live_server):
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto("/api/v1/docs")
    # Swagger UI builds the page from the whole document: slow on a busy machine.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Prorata API", timeout=60_000)
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=60_000)
    from prorata.api import api

    document = api.get_openapi_schema()
    expected = sum(1 for ops in document["paths"].values() for m in ops if m in ("get", "post", "delete", "put", "patch"))
    expect(operations).to_have_count(expected)
    # The document parsed without complaint: Swagger UI shows its errors in this box.
    expect(page.locator(".swagger-ui .errors-wrapper")).to_have_count(0)
    # One operation opens, with its responses.
    token = page.locator("#operations-licenses-license_token")
    token.locator(".opblock-summary").click()
    expect(token.locator(".responses-table").first).to_be_visible()
    assert not failed, failed
    assert not console, console
