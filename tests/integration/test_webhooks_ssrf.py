"""The SSRF guard: webhook URLs must be https on public addresses, checked when an endpoint is
created and again before every delivery; redirects are not followed; private networks only by
the allow-list setting. Every refusal is shown to fetch nothing: a receiver listens on
127.0.0.1 and counts the connections it gets."""

from __future__ import annotations

import ipaddress

import pytest
from django.db import transaction
from hostile_receivers import RawReceiver, answer

from conftest import ApiClient
from factories import make_api_key, make_tenant
from prorata.audit.services import audit_record
from prorata.core.actor import SYSTEM
from prorata.core.clock import system_clock
from prorata.webhooks.delivery import deliver_due
from prorata.webhooks.domain import signing
from prorata.webhooks.domain.addresses import refusal
from prorata.webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    r = RawReceiver(answer(200))
    yield r
    r.close()


@pytest.fixture
def no_private(settings):
    """The guard as a production install has it: no private network allowed, https only."""
    settings.PRORATA_WEBHOOK_ALLOWED_NETWORKS = []
    settings.PRORATA_WEBHOOK_ALLOW_HTTP = False
    return settings


def _api():
    tenant = make_tenant()
    _, secret = make_api_key(tenant)
    return tenant, ApiClient(secret)


# One per refused class; the port is the listener's, so a fetch would be seen.
REFUSED = [
    ("https://127.0.0.1:{port}/h", "loopback"),
    ("https://127.1.2.3:{port}/h", "loopback"),
    ("https://[::1]:{port}/h", "loopback"),
    ("https://0x7f000001:{port}/h", "loopback"),  # an integer spelling of 127.0.0.1
    ("https://2130706433:{port}/h", "loopback"),  # the same, in decimal
    ("https://localhost:{port}/h", "loopback"),  # a name that resolves to 127.0.0.1
    ("https://[::ffff:127.0.0.1]:{port}/h", "loopback"),  # IPv4-mapped IPv6
    ("https://169.254.169.254/latest/meta-data/", "link_local"),  # the cloud metadata address
    ("https://[fe80::1]/h", "link_local"),
    ("https://10.0.0.1/h", "private"),
    ("https://172.16.5.4/h", "private"),
    ("https://192.168.1.1/h", "private"),
    ("https://[fd00::1]/h", "private"),
    ("https://100.64.0.1/h", "reserved"),  # carrier-grade NAT
    ("https://224.0.0.1/h", "multicast"),
    ("https://[ff02::1]/h", "multicast"),
    ("https://0.0.0.0:{port}/h", "unspecified"),
    ("https://240.0.0.1/h", "reserved"),
]


@pytest.mark.parametrize(("template", "reason"), REFUSED)
def test_internal_addresses_are_refused_at_creation_and_nothing_is_fetched(template, reason, listener, no_private):
    _, api = _api()
    url = template.format(port=listener.port)
    r = api.post("/webhook_endpoints", {"url": url, "events": ["*"]})
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] == "webhook_url_private"
    assert f"({reason})" in r.json()["error"]["details"]["reason"]
    assert WebhookEndpoint.objects.count() == 0
    assert listener.connections == 0


@pytest.mark.parametrize("address", [
    "127.0.0.1", "::1", "169.254.169.254", "10.1.2.3", "172.31.0.1", "192.168.0.1", "fc00::1", "fe80::1",
    "224.0.0.251", "ff05::2", "0.0.0.0", "::", "100.64.0.1", "::ffff:10.0.0.1", "2002:a00:1::",
])
def test_every_non_public_address_has_a_reason(address):
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_accepted(address):
    assert refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_admits_an_on_premises_network():
    assert refusal(ipaddress.ip_address("10.20.0.5"), [ipaddress.ip_network("10.20.0.0/16")]) is None
    assert refusal(ipaddress.ip_address("10.21.0.5"), [ipaddress.ip_network("10.20.0.0/16")]) == "private"


def test_plain_http_is_refused_unless_the_development_setting_allows_it(no_private):
    _, api = _api()
    r = api.post("/webhook_endpoints", {"url": "http://example.test/hook", "events": ["*"]})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "webhook_url_insecure"
    no_private.PRORATA_WEBHOOK_ALLOW_HTTP = True
    assert api.post("/webhook_endpoints", {"url": "http://example.test/hook", "events": ["*"]}).status_code == 201


def test_refusals_are_translated(no_private):
    _, api = _api()
    api.language = "zh-hans"
    r = api.post("/webhook_endpoints", {"url": "https://127.0.0.1/h", "events": ["*"]})
    assert r.json()["error"]["code"] == "webhook_url_private"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["error"]["message"])


def _endpoint_with_delivery(url: str):
    """An endpoint as the database may hold it (created while its name resolved elsewhere, or
    before the guard), and one due delivery to it."""
    tenant = make_tenant()
    WebhookEndpoint.objects.create(tenant=tenant, url=url, events=["*"], secret=signing.new_secret(),
                                   created_by="t", created_at=system_clock.now())
    with transaction.atomic():
        audit_record(actor=SYSTEM, action="subscription.created", object_type="subscription", object_id="sub_x",
                     tenant_id=tenant.pk, at=system_clock.now(), after={"id": "sub_x", "status": "active"})
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize("template", ["http://localhost:{port}/h", "http://127.0.0.1:{port}/h", "http://0x7f000001:{port}/h"])
def test_delivery_checks_the_address_again_and_fetches_nothing(template, listener, settings):
    # Allowed when the endpoint was created; the install's allow-list no longer admits it (or the
    # name now resolves to loopback): the attempt is refused, recorded, and nothing is sent.
    settings.PRORATA_WEBHOOK_ALLOWED_NETWORKS = []
    _endpoint_with_delivery(template.format(port=listener.port))
    run = deliver_due()
    assert run.attempts == 1 and run.failed_attempts == 1
    attempt = DeliveryAttempt.objects.get()
    assert attempt.succeeded is False and attempt.status_code is None
    assert attempt.error.startswith("refused: webhook_url_private")
    assert listener.connections == 0


def test_delivery_refuses_plain_http_when_the_setting_is_off(listener, settings):
    settings.PRORATA_WEBHOOK_ALLOW_HTTP = False
    _endpoint_with_delivery(listener.url)
    deliver_due()
    assert DeliveryAttempt.objects.get().error.startswith("refused: webhook_url_insecure")
    assert listener.connections == 0


def test_a_redirect_to_loopback_is_not_followed():
    inner = RawReceiver(answer(200))
    outer = RawReceiver(answer(302, {"Location": inner.url}))
    try:
        _endpoint_with_delivery(outer.url)
        run = deliver_due()
        assert run.failed_attempts == 1
        attempt = DeliveryAttempt.objects.get()
        assert attempt.status_code == 302 and attempt.succeeded is False
        assert "redirect not followed" in attempt.error
        assert outer.connections == 1
        assert inner.connections == 0
    finally:
        inner.close()
        outer.close()


def test_the_suites_receiver_on_127_0_0_1_is_admitted_by_the_allow_list(listener):
    _endpoint_with_delivery(listener.url)
    assert deliver_due().succeeded == 1
    assert listener.connections == 1
