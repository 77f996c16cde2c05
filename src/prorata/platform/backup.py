"""`prorata backup FILE` and `prorata restore FILE`: the whole database, consistent, while it runs.

- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, taken without stopping writers)
  and `pg_restore --clean --if-exists --single-transaction` (all or nothing). The client tools'
  major version must be at least the server's.
- SQLite: the online backup API (`sqlite3.Connection.backup`), page by page under SQLite's own
  locking, so that a worker writing meanwhile neither blocks nor tears the copy; restore copies the
  file's pages back into the live database the same way.

Backups hold every secret hash, card token and address: they are created owner-only (0600).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection, connections


class BackupError(Exception):
    pass


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    args = ["--dbname", str(s["NAME"])]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    return env, args


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError((done.stderr.strip().splitlines() or [f"{argv[0]} failed"])[-1])


def _private(path: Path) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)


def backup(path: str | Path) -> Path:
    """Write a consistent copy of the database to `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        _private(target)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args], env)
        return target
    if connection.vendor != "sqlite":
        raise BackupError(f"backups of {connection.vendor} are not supported")
    connection.ensure_connection()
    if target.exists():
        target.unlink()
    _private(target)
    out = sqlite3.connect(target)
    try:
        connection.connection.backup(out)
    finally:
        out.close()
    return target


def restore(path: str | Path) -> None:
    """Replace the database's content with the backup at `path`, all or nothing."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        connections.close_all()
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", *args, str(source)], env)
        return
    if connection.vendor != "sqlite":
        raise BackupError(f"backups of {connection.vendor} are not supported")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        src.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source}: not an SQLite backup ({exc})") from None
    connection.ensure_connection()
    try:
        src.backup(connection.connection)
    finally:
        src.close()
