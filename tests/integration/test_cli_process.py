"""The installed `prorata` script as a process: a fresh SQLite database, then `run` end to end."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PRORATA = str(Path(sys.executable).with_name("prorata"))


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'prorata.sqlite3'}", "PRORATA_VAR_DIR": str(tmp_path / "var")})
    return env


def _prorata(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PRORATA, *argv], cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True, timeout=180, check=False)


def test_migrate_then_apikey_on_a_fresh_database(tmp_path: Path) -> None:
    migrated = _prorata(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "Applying tenants.0001_initial... OK" in migrated.stdout
    again = _prorata(tmp_path, "migrate")
    assert again.returncode == 0
    assert "No migrations to apply." in again.stdout

    created = _prorata(tmp_path, "apikey", "create", "--operator")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("prk_")
    with sqlite3.connect(tmp_path / "prorata.sqlite3") as db:
        rows = db.execute("select kind, tenant_id, secret_hash from tenants_apikey").fetchall()
    assert rows == [("operator", None, hashlib.sha256(secret.encode()).hexdigest())]


def test_refusal_is_one_line_and_non_zero(tmp_path: Path) -> None:
    assert _prorata(tmp_path, "migrate").returncode == 0
    result = _prorata(tmp_path, "clock", "advance", "clock_nope", "--to", "2026-01-01T00:00:00Z")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "prorata: test clock clock_nope: No such object, or you do not have access to it. (not_found)\n"


def test_an_unmigrated_database_says_what_to_do(tmp_path: Path) -> None:
    result = _prorata(tmp_path, "apikey", "create", "--operator")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "prorata: the database refused: no such table: tenants_apikey (run `prorata migrate` first)\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, secret: str | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"} if secret else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _children(pid: int) -> list[str]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "args="], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if line.strip()]


@pytest.mark.slow
def test_run_migrates_seeds_works_and_serves(tmp_path: Path) -> None:
    port = _free_port()
    log = (tmp_path / "out.txt").open("w+")
    proc = subprocess.Popen(
        [PRORATA, "run", "--port", str(port), "--workers", "1"], cwd=tmp_path, env=_env(tmp_path),
        stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        status = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = _get(f"{base}/api/v1/openapi.json")[0]
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, (tmp_path / "out.txt").read_text()
        output = (tmp_path / "out.txt").read_text()
        assert f"Prorata is running at {base}/" in output
        assert "megan@contoso.example" in output and "support@prorata.example" in output
        secret = next(line.strip() for line in output.splitlines() if line.strip().startswith("prk_"))

        # The API answers with the printed operator key; the demo's history is in the audit log.
        code, body, _ = _get(f"{base}/api/v1/audit_events?action=subscription.renewed&limit=100", secret)
        assert code == 200
        renewals = json.loads(body)["data"]
        assert len(renewals) == 6  # two subscriptions, renewed on Jun 4, Jul 4 and Aug 4
        assert _get(f"{base}/api/v1/audit_events")[0] == 401

        # Static files come from gunicorn itself (WhiteNoise), e.g. the back office's stylesheet.
        code, css, headers = _get(f"{base}/static/admin/css/base.css")
        assert code == 200 and b"body" in css
        assert headers["Content-Type"].startswith("text/css")

        # The worker runs in the same process tree, beside gunicorn's workers.
        children = _children(proc.pid)
        assert any("db_worker" in c or "prorata.cli worker" in c for c in children), children
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert _children(proc.pid) == []
