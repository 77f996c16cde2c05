"""Playwright in the system's Chromium (/usr/bin/chromium, the Debian package), never a
downloaded browser. Without Chromium these tests skip, or fail when PRORATA_REQUIRE_BROWSER=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test set-up
# are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
from browser.helpers import missing as _missing  # noqa: E402


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", base_url=live_server.url)
    # Nothing may load from the internet: any request off this machine fails the test. A test
    # with Stripe may also reach the local Stripe server (its API and its Stripe.js).
    outside: list[str] = []
    local = [live_server.url]
    if "stripe_gateway" in request.fixturenames:
        local.append(request.getfixturevalue("stripe_gateway").base)

    def guard(route):
        url = route.request.url
        if url.startswith(tuple(local)) or url.startswith(("data:", "blob:", "about:")):
            return route.continue_()
        outside.append(url)
        return route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.set_default_timeout(15000)
    yield pg
    context.close()
    assert not outside, f"pages tried to load from outside: {outside}"
    assert not errors, f"script errors: {errors}"
