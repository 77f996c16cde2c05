"""`prorata`, the command line (SPEC §8).

    prorata run [--host H] [--port P] [--workers N]   migrate, seed a demo, serve and work
    prorata serve [--host H] [--port P] [--workers N] the web server alone (gunicorn)
    prorata migrate                                   apply database migrations
    prorata apikey create --operator | --tenant ID [--name NAME]
    prorata apikey revoke KEY_ID
    prorata clock advance CLOCK_ID --to TIME          RFC 3339, e.g. 2026-03-01T00:00:00Z

Every command reads DATABASE_URL (default: a SQLite file under ./var/). Each domain may add
commands of its own: a module `prorata.<domain>.cli` with `register(subparsers)`, whose parsers
set `func` through `set_defaults(func=handler)`; a handler takes the parsed arguments and returns
an exit status.

Refusals print a one-line message in the operator's language and exit non-zero; a traceback
means a bug.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib import import_module
from typing import Any

# Domains that may contribute commands through `prorata.<domain>.cli.register(subparsers)`.
PLUGIN_DOMAINS = ("catalog", "tenants", "subscriptions", "licenses", "billing", "support", "audit", "webhooks")

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
# gunicorn's gthread workers: processes x threads, chosen with bench/api_load.py (docs/operations.md).
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4


class CliError(Exception):
    """A refusal to print as one line, without a traceback."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prorata.settings")
    import django

    django.setup()


def cli_actor() -> Any:
    """Who acts from the command line: the vendor's operator, at a shell on the server."""
    from prorata.core.actor import Actor

    return Actor(kind="system", id="cli", label="prorata command line", is_operator=True, role="operator")


# -- parsing --------------------------------------------------------------------------------


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=os.environ.get("PRORATA_HOST", "127.0.0.1"), help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PRORATA_PORT", "8000")), help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"gunicorn worker processes (default {DEFAULT_WORKERS})")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help=f"threads per worker process (default {DEFAULT_THREADS})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prorata", description="Prorata: subscriptions and per-seat licenses.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="migrate, seed a demo on an empty database, start the worker and serve")
    _add_server_options(run)
    run.add_argument("--no-demo", action="store_true", help="do not seed the demo tenant")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="serve the web app and the API with gunicorn")
    _add_server_options(serve)
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(func=cmd_migrate)

    backup = sub.add_parser("backup", help="write a consistent copy of the database to FILE, while it runs")
    backup.add_argument("file", metavar="FILE")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="replace the database's content with the backup in FILE")
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--yes", action="store_true", help="do not ask; everything written since the backup is lost")
    restore.set_defaults(func=cmd_restore)

    apikey = sub.add_parser("apikey", help="API keys")
    apikey_sub = apikey.add_subparsers(dest="apikey_command", metavar="ACTION", required=True)
    create = apikey_sub.add_parser("create", help="create a key and print its secret (shown once)")
    who = create.add_mutually_exclusive_group(required=True)
    who.add_argument("--operator", action="store_true", help="a key that acts on every tenant")
    who.add_argument("--tenant", metavar="ID", help="a key that acts as a global admin of one tenant")
    create.add_argument("--name", default="", help="a label to recognise the key by")
    create.set_defaults(func=cmd_apikey_create)
    revoke = apikey_sub.add_parser("revoke", help="stop a key from authenticating, for good")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.set_defaults(func=cmd_apikey_revoke)

    clock = sub.add_parser("clock", help="test clocks")
    clock_sub = clock.add_subparsers(dest="clock_command", metavar="ACTION", required=True)
    advance = clock_sub.add_parser("advance", help="move a test clock forward and do all the work that falls due")
    advance.add_argument("clock_id", metavar="CLOCK_ID")
    advance.add_argument("--to", required=True, metavar="TIME", help="RFC 3339 time with a zone, e.g. 2026-03-01T00:00:00Z")
    advance.set_defaults(func=cmd_clock_advance)

    for module in plugin_modules():
        module.register(sub)
    return parser


def plugin_modules() -> list[Any]:
    modules = []
    for domain in PLUGIN_DOMAINS:
        name = f"prorata.{domain}.cli"
        try:
            modules.append(import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules


def parse_time(text: str) -> datetime:
    """An RFC 3339 time with a zone ("Z" or an offset), as an aware datetime."""
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"“{text}” is not an RFC 3339 time; write it like 2026-03-01T00:00:00Z") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise CliError(f"“{text}” has no time zone; add Z (UTC) or an offset such as +08:00")
    return value


# -- commands -------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    migrate(verbosity=1)
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from prorata.platform.backup import BackupError, backup

    try:
        target = backup(args.file)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"Backup written to {target} ({target.stat().st_size} bytes)")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from prorata.platform.backup import BackupError, restore

    if not args.yes:
        answer = input(f"Replace the whole database with {args.file}? Everything written since is lost. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing restored.")
            return EXIT_REFUSED
    try:
        restore(args.file)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"Restored from {args.file}. Run `prorata migrate` if the backup is from an older version.")
    return EXIT_OK


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def api_key_create(*, tenant_id: str | None, name: str = "") -> tuple[Any, str]:
    """Create an operator key (tenant_id None) or a tenant key through the tenants service."""
    from prorata.tenants.services import apikey_create

    kind = "operator" if tenant_id is None else "tenant"
    return apikey_create(actor=cli_actor(), kind=kind, tenant_id=tenant_id, name=name)


def cmd_apikey_create(args: argparse.Namespace) -> int:
    key, secret = api_key_create(tenant_id=None if args.operator else args.tenant, name=args.name)
    scope = "operator" if args.operator else f"tenant {args.tenant}"
    print(f"Created {scope} API key {key.pk}. Keep the secret below: it is not shown again.")
    print(secret)
    return EXIT_OK


def cmd_apikey_revoke(args: argparse.Namespace) -> int:
    from prorata.tenants.services import apikey_revoke

    key = apikey_revoke(actor=cli_actor(), key_id=args.key_id)
    print(f"API key {key.pk} ({key.prefix}…) is revoked.")
    return EXIT_OK


def cmd_clock_advance(args: argparse.Namespace) -> int:
    to = parse_time(args.to)
    from prorata.tenants.services import test_clock_advance

    clock = test_clock_advance(actor=cli_actor(), clock_id=args.clock_id, to=to)
    print(f"Test clock {clock.pk} is at {clock.frozen_time.isoformat().replace('+00:00', 'Z')}.")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    _check_server_options(args)
    compile_catalogs()
    print(f"Prorata at http://{_url_host(args.host)}:{args.port}/", flush=True)
    serve(args.host, args.port, args.workers, args.threads)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    _check_server_options(args)
    from django.conf import settings
    from django.db import connections

    compile_catalogs()
    db = settings.DATABASES["default"]
    print(f"Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}", flush=True)
    migrate()
    from prorata import demo

    seeded = None if args.no_demo else demo.seed_if_empty()
    _key, secret = api_key_create(tenant_id=None, name="prorata run")
    base = f"http://{_url_host(args.host)}:{args.port}"
    print()
    print(f"Prorata is running at {base}/")
    print(f"  admin center  {base}/")
    print(f"  API docs      {base}/api/v1/docs")
    print(f"  back office   {base}/backoffice/")
    print()
    for line in demo.sign_in_lines(seeded):
        print(line)
    print()
    print("Operator API key (new for this run; shown once):")
    print(f"  {secret}")
    print(f'  curl -H "Authorization: Bearer {secret}" {base}/api/v1/audit_events?limit=5')
    print(flush=True)
    # Forked processes must not share the connections opened by migrate and the seed.
    connections.close_all()
    worker = start_worker()
    try:
        serve(args.host, args.port, args.workers, args.threads)
    finally:
        stop_worker(worker)
    return EXIT_OK


def compile_catalogs() -> None:
    """Compile the translations where they are stale; an install on a read-only disk has them already."""
    from prorata.i18n.catalogs import compile_all

    try:
        compile_all()
    except OSError as exc:
        print(f"prorata: translations not compiled ({exc}); serving the ones installed", file=sys.stderr)


def _check_server_options(args: argparse.Namespace) -> None:
    if not 0 < args.port < 65536:
        raise CliError(f"--port {args.port} is not a TCP port (1..65535)")
    if not 1 <= args.workers <= 64:
        raise CliError(f"--workers {args.workers} must be between 1 and 64")
    if not 1 <= args.threads <= 64:
        raise CliError(f"--threads {args.threads} must be between 1 and 64")
    _check_port_free(args.host, args.port)


def _check_port_free(host: str, port: int) -> None:
    """Refuse early, before migrating or seeding, when the address is taken or not ours."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --host or --port") from None


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


# -- worker and web server ------------------------------------------------------------------


def worker_command() -> list[str]:
    """The background worker as a child process.

    A domain that registers a `worker` command (billing: the task queue and the billing pass)
    provides it; otherwise the task queue's own worker runs every queue.
    """
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    if "worker" in commands:
        return [sys.executable, "-m", "prorata.cli", "worker"]
    return [sys.executable, "-m", "django", "db_worker", "--queue-name", "*", "--no-reload"]


def start_worker() -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "prorata.settings")}
    return subprocess.Popen(worker_command(), env=env)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def serve(host: str, port: int, workers: int, threads: int = DEFAULT_THREADS) -> None:
    """Serve prorata.wsgi with gunicorn (threads per worker; WhiteNoise serves static files)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            for key, value in {
                "bind": bind,
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "accesslog": "-",
                "timeout": 60,
                "graceful_timeout": 20,
                # One install may run several servers; they must not share ~/.gunicorn's socket.
                "control_socket_disable": True,
            }.items():
                self.cfg.set(key, value)

        def load(self) -> Callable[..., Any]:
            from prorata.wsgi import application

            return application  # type: ignore[no-any-return]

    Server().run()


# -- entry point ----------------------------------------------------------------------------


def _refusal(exc: Exception) -> str:
    from prorata.core.errors import ProrataError
    from prorata.i18n.messages import message_for

    if isinstance(exc, ProrataError):
        subject = ""
        if exc.params.get("object") and exc.params.get("id"):
            subject = f"{str(exc.params['object']).replace('_', ' ')} {exc.params['id']}: "
        return f"{subject}{message_for(exc.code, exc.params)} ({exc.code})"
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    _setup_django()
    from django.core.management.base import CommandError
    from django.db import DatabaseError
    from django.utils import translation

    from prorata.core.errors import ProrataError

    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    # Refusals speak the operator's language: zh_CN.UTF-8 and the like give Simplified Chinese.
    language = "zh-hans" if os.environ.get("LANG", "").lower().startswith("zh") else "en"
    with translation.override(language):
        try:
            return int(func(args) or EXIT_OK)
        except (CliError, ProrataError, CommandError) as exc:
            print(f"prorata: {_refusal(exc)}", file=sys.stderr)
            return EXIT_REFUSED
        except DatabaseError as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            hint = ""
            if "no such table" in first_line or ("relation" in first_line and "does not exist" in first_line):
                hint = " (run `prorata migrate` first)"
            print(f"prorata: the database refused: {first_line}{hint}", file=sys.stderr)
            return EXIT_REFUSED
        except KeyboardInterrupt:
            return 130

if __name__ == "__main__":
    sys.exit(main())
