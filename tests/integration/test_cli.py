"""The `prorata` command line: in-process `main([...])` against the test database."""

from __future__ import annotations

import hashlib

import pytest

from conftest import ApiClient
from factories import make_clock, make_tenant, utc
from prorata.audit.models import AuditEvent
from prorata.cli import build_parser, main, parse_time, worker_command
from prorata.tenants import models as tenant_models
from prorata.tenants.models import ApiKey

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_apikey_create_operator_prints_the_secret_last_and_it_authenticates(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "apikey", "create", "--operator", "--name", "deploy")
    assert code == 0, err
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("prk_") and " " not in secret
    key = ApiKey.objects.get(secret_hash=hashlib.sha256(secret.encode()).hexdigest())
    assert (key.kind, key.tenant_id, key.name) == ("operator", None, "deploy")
    assert key.pk in out.splitlines()[0]
    assert AuditEvent.objects.filter(action="api_key.created", object_id=key.pk).count() == 1
    response = ApiClient(secret).get("/audit_events", {"action": "api_key.created"})
    assert response.status_code == 200
    assert [e["object_id"] for e in response.json()["data"]] == [key.pk]
    assert ApiClient("prk_not-a-key").get("/audit_events").status_code == 401


def test_apikey_create_tenant_acts_on_that_tenant_only(capsys: pytest.CaptureFixture[str]) -> None:
    contoso, fabrikam = make_tenant(), make_tenant()
    code, out, err = run(capsys, "apikey", "create", "--tenant", contoso.pk)
    assert code == 0, err
    client = ApiClient(out.strip().splitlines()[-1])
    assert client.get("/audit_events", {"tenant": contoso.pk}).status_code == 200
    assert client.get("/audit_events", {"tenant": fabrikam.pk}).status_code == 404
    assert ApiKey.objects.get(tenant=contoso).kind == "tenant"


def test_apikey_create_for_an_unknown_tenant_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "apikey", "create", "--tenant", "ten_nope")
    assert code == 1
    assert out == ""
    assert err == "prorata: tenant ten_nope: No such object, or you do not have access to it. (not_found)\n"
    assert not ApiKey.objects.exists()


def test_apikey_create_needs_operator_or_tenant(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["apikey", "create"])
    assert info.value.code == 2
    assert "one of the arguments --operator --tenant is required" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["apikey", "create", "--operator", "--tenant", "ten_x"])
    assert not ApiKey.objects.exists()


def test_clock_advance_moves_the_clock(capsys: pytest.CaptureFixture[str]) -> None:
    clock = make_clock(utc(2026, 1, 1))
    code, out, err = run(capsys, "clock", "advance", clock.pk, "--to", "2026-02-01T08:00:00+08:00")
    assert code == 0, err
    assert out == f"Test clock {clock.pk} is at 2026-02-01T00:00:00Z.\n"
    clock.refresh_from_db()
    assert clock.frozen_time == utc(2026, 2, 1)
    event = AuditEvent.objects.get(action="test_clock.advanced", object_id=clock.pk)
    assert event.actor == "system"
    assert event.actor_label == "prorata command line"


def test_clock_advance_refuses_to_go_backwards(capsys: pytest.CaptureFixture[str]) -> None:
    clock = make_clock(utc(2026, 3, 1))
    code, out, err = run(capsys, "clock", "advance", clock.pk, "--to", "2026-02-01T00:00:00Z")
    assert code == 1
    assert out == ""
    assert err.startswith("prorata: ")
    assert "(clock_cannot_go_backwards)" in err
    assert "Traceback" not in err
    clock.refresh_from_db()
    assert clock.frozen_time == utc(2026, 3, 1)
    assert not AuditEvent.objects.filter(action="test_clock.advanced").exists()


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("yesterday", "prorata: “yesterday” is not an RFC 3339 time; write it like 2026-03-01T00:00:00Z\n"),
        ("2026-13-01T00:00:00Z", "prorata: “2026-13-01T00:00:00Z” is not an RFC 3339 time; write it like 2026-03-01T00:00:00Z\n"),
        ("2026-04-01T00:00:00", "prorata: “2026-04-01T00:00:00” has no time zone; add Z (UTC) or an offset such as +08:00\n"),
    ],
)
def test_clock_advance_refuses_a_bad_time(capsys: pytest.CaptureFixture[str], to: str, message: str) -> None:
    clock = make_clock(utc(2026, 3, 1))
    code, out, err = run(capsys, "clock", "advance", clock.pk, "--to", to)
    assert (code, out, err) == (1, "", message)
    clock.refresh_from_db()
    assert clock.frozen_time == utc(2026, 3, 1)


def test_clock_advance_of_an_unknown_clock(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "clock", "advance", "clock_nope", "--to", "2026-04-01T00:00:00Z")
    assert (code, out) == (1, "")
    assert err == "prorata: test clock clock_nope: No such object, or you do not have access to it. (not_found)\n"
    assert not tenant_models.TestClock.objects.exists()


def test_refusals_speak_chinese_under_a_chinese_locale(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, _out, err = run(capsys, "clock", "advance", "clock_nope", "--to", "2026-04-01T00:00:00Z")
    assert code == 1
    assert err == "prorata: test clock clock_nope: 对象不存在，或您无权访问。 (not_found)\n"


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys)
    assert code == 2
    assert "usage: prorata" in out


@pytest.mark.parametrize(("argv", "message"), [(["serve", "--port", "0"], "--port 0 is not a TCP port"), (["run", "--workers", "0"], "--workers 0 must be")])
def test_server_options_are_checked_before_anything_runs(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert message in err


def test_a_taken_port_is_refused_before_anything_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "run", "--port", str(port))
    assert (code, out) == (1, "")
    assert err.startswith(f"prorata: cannot listen on 127.0.0.1:{port} (")
    assert "choose another --host or --port" in err


def test_every_documented_command_is_there() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert {"run", "serve", "migrate", "apikey", "clock"} <= set(commands)
    args = parser.parse_args(["serve", "--host", "0.0.0.0", "--port", "9000", "--workers", "3"])
    assert (args.host, args.port, args.workers) == ("0.0.0.0", 9000, 3)
    assert parser.parse_args(["run"]).port == 8000


def test_the_worker_is_a_child_process_of_this_python() -> None:
    import sys

    command = worker_command()
    assert command[0] == sys.executable
    assert command[1:3] in (["-m", "prorata.cli"], ["-m", "django"])


def test_parse_time() -> None:
    assert parse_time("2026-03-01T00:00:00Z") == utc(2026, 3, 1)
    assert parse_time("2026-03-01T08:00:00+08:00") == utc(2026, 3, 1)


@pytest.mark.parametrize(("option", "message"), [("--workers", "--workers must be at least 1"), ("--batch-size", "--batch-size must be at least 1")])
def test_billing_run_refuses_fewer_than_one(capsys: pytest.CaptureFixture[str], option: str, message: str) -> None:
    code, _out, err = run(capsys, "billing", "run", option, "0")
    assert code == 2
    assert message in err
    assert not AuditEvent.objects.filter(action="billing.run").exists()


def test_billing_run_defaults_are_the_benchmarked_ones(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    """`billing run` without options takes the engine's batch size and worker count, which are the
    benchmark's defaults too: one process on SQLite, one per core on PostgreSQL."""
    import os

    from django.db import connection

    from prorata.subscriptions import engine

    seen = {}

    def fake_run(**kwargs):
        seen.update(kwargs)
        return engine.PassResult(as_of=kwargs["as_of"])

    monkeypatch.setattr(engine, "run_pass_in_workers", fake_run)
    code, _out, _err = run(capsys, "billing", "run", "--no-progress")
    assert code == 0
    assert seen["batch_size"] == engine.DEFAULT_BATCH_SIZE == 3000
    assert seen["workers"] == ((os.cpu_count() or 1) if connection.vendor == "postgresql" else 1)
