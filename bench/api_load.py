"""Load benchmark of the API's hot reads against a bare Django view in the same server.

    apt-get install apache2-utils        # `ab`, the load tool (Debian's package)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prorata .venv/bin/python bench/api_load.py
    .venv/bin/python bench/api_load.py --requests 4000 --runs 3 --concurrency 1,8,32 --workers 2

It makes its own database (a new PostgreSQL database next to DATABASE_URL's, or a temporary
SQLite file without it), migrates it, seeds the demo tenant (prorata.demo) and a tenant API key,
and starts `prorata serve` on a free loopback port with the bench's floor routed
(PRORATA_BENCH_BASELINE=1: /bench/bare answers constant JSON through the same middleware) and
the rate limit on, high enough not to refuse (so its cost is in the figures). Then, for each
concurrency, it loads each of

    bare       GET  /bench/bare
    check      GET  /api/v1/licenses/check?tenant=&user=&product=
    token      POST /api/v1/licenses/token {tenant, user, product}
    decision   GET  /api/v1/subscriptions/{id}/cancellation

with `ab -k` (keep-alive) for `--requests` requests, `--runs` times, and prints the median
requests per second, p50 and p99 (ms) of the runs, and each one's share of the bare view's
requests per second. Every request is checked to answer 200 (a run with another status fails).
Traffic goes to 127.0.0.1 only; each run is bounded by its request count and a time limit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from billing_run import ROOT, make_database  # noqa: E402

PRORATA = os.path.join(os.path.dirname(sys.executable), "prorata")
ENDPOINTS = ("bare", "check", "token", "decision")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prorata(env: dict[str, str], *argv: str) -> str:
    run = subprocess.run([PRORATA, *argv], env=env, capture_output=True, text=True, timeout=600, check=False)
    if run.returncode != 0:
        raise SystemExit(f"prorata {' '.join(argv)} failed:\n{run.stderr}")
    return run.stdout


def seed(env: dict[str, str]) -> dict[str, str]:
    """The demo, a tenant key, and the ids the requests name (run in a child: its own Django)."""
    code = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prorata.settings")
import django; django.setup()
from prorata import demo
from prorata.cli import api_key_create
from prorata.licenses.models import License
seeded = demo.seed_if_empty()
_key, secret = api_key_create(tenant_id=seeded.contoso_id, name="bench")
lic = (License.objects.filter(tenant_id=seeded.contoso_id, subscription_id=seeded.subscriptions["contoso_basic"])
       .select_related("subscription__plan").order_by("id").first())
print(json.dumps({"secret": secret, "tenant": seeded.contoso_id, "user": lic.user_id,
                  "product": lic.subscription.plan.product_id, "subscription": lic.subscription_id}))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise SystemExit(f"seeding failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_server(env: dict[str, str], port: int, workers: int, threads: int | None, log: object) -> subprocess.Popen[bytes]:
    argv = [PRORATA, "serve", "--port", str(port), "--workers", str(workers)]
    if threads:
        argv += ["--threads", str(threads)]
    server = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=5) as r:  # noqa: S310
                if r.status == 200:
                    return server
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit("the server did not start (see its log)")
        time.sleep(0.3)


def ab(url: str, *, requests: int, concurrency: int, secret: str, body: str | None = None,
       time_limit: int = 60) -> dict[str, float]:
    """One `ab -k` run: requests per second, p50 and p99 in ms."""
    command = ["ab", "-k", "-q", "-n", str(requests), "-c", str(concurrency), "-s", "30",
               "-H", f"Authorization: Bearer {secret}", "-H", "Accept: application/json"]
    payload = None
    if body is not None:
        payload = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        payload.write(body)
        payload.close()
        command += ["-p", payload.name, "-T", "application/json"]
    try:
        run = subprocess.run([*command, url], capture_output=True, text=True, timeout=time_limit + 30, check=False)
    finally:
        if payload is not None:
            os.unlink(payload.name)
    out = run.stdout
    if run.returncode != 0:
        raise SystemExit(f"ab failed on {url}:\n{run.stderr}\n{out}")
    failed = re.search(r"Failed requests:\s+(\d+)", out)
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    if (failed and int(failed.group(1))) or non_2xx:
        raise SystemExit(f"not every request of {url} answered 200:\n{out}")
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    p50 = float(re.search(r"^\s+50%\s+(\d+)", out, re.M).group(1))
    p99 = float(re.search(r"^\s+99%\s+(\d+)", out, re.M).group(1))
    return {"rps": rps, "p50": p50, "p99": p99}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per run (default 3000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each; the median is printed (default 3)")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated concurrencies (default 1,8,32)")
    parser.add_argument("--workers", type=int, default=None, help="`prorata serve --workers` (default: its own)")
    parser.add_argument("--threads", type=int, default=None, help="`prorata serve --threads` (default: its own)")
    parser.add_argument("--only", default=",".join(ENDPOINTS), help=f"endpoints to load (default {','.join(ENDPOINTS)})")
    args = parser.parse_args()
    if shutil.which("ab") is None:
        print("bench/api_load.py needs `ab`: apt-get install apache2-utils", file=sys.stderr)
        return 2
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    only = [e for e in args.only.split(",") if e in ENDPOINTS]
    reproduce = (f"reproduce with: DATABASE_URL={os.environ.get('DATABASE_URL', '')} {sys.executable} bench/api_load.py "
                 f"--requests {args.requests} --runs {args.runs} --concurrency {args.concurrency}"
                 + (f" --workers {args.workers}" if args.workers else "")
                 + (f" --threads {args.threads}" if args.threads else "") + f" --only {','.join(only)}")
    print(reproduce, flush=True)
    url, drop = make_database(os.environ.get("DATABASE_URL", ""))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    var = tempfile.mkdtemp(prefix="prorata_api_load_")
    env.update({
        "DATABASE_URL": url, "PRORATA_VAR_DIR": var, "PRORATA_BENCH_BASELINE": "1",
        "PRORATA_RATE_LIMIT": "100000000", "PYTHONPATH": os.path.join(ROOT, "src"),
    })
    server = None
    log = open(os.path.join(var, "server.log"), "w")  # noqa: SIM115
    try:
        _prorata(env, "migrate")
        ids = seed(env)
        port = _free_port()
        server = start_server(env, port, args.workers or default_workers(), args.threads, log)
        base = f"http://127.0.0.1:{port}"
        query = f"tenant={ids['tenant']}&user={ids['user']}&product={ids['product']}"
        targets = {
            "bare": (f"{base}/bench/bare", None),
            "check": (f"{base}/api/v1/licenses/check?{query}", None),
            "token": (f"{base}/api/v1/licenses/token",
                      json.dumps({"tenant": ids["tenant"], "user": ids["user"], "product": ids["product"]})),
            "decision": (f"{base}/api/v1/subscriptions/{ids['subscription']}/cancellation", None),
        }
        for name in only:  # warm every process's caches and connections
            target, body = targets[name]
            ab(target, requests=200, concurrency=8, secret=ids["secret"], body=body)
        results: dict[tuple[str, int], dict[str, float]] = {}
        for concurrency in concurrencies:
            for name in only:
                target, body = targets[name]
                runs = [ab(target, requests=args.requests, concurrency=concurrency, secret=ids["secret"], body=body)
                        for _ in range(args.runs)]
                results[(name, concurrency)] = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99")}
        print(f"server: prorata serve --workers {args.workers or default_workers()} --threads {args.threads or 'default'} on "
              f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}; ab -k, {args.requests} requests a run, "
              f"median of {args.runs} runs")
        print(f"{'endpoint':<10} {'c':>3} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'of bare':>8}")
        for concurrency in concurrencies:
            bare = results.get(("bare", concurrency))
            for name in only:
                r = results[(name, concurrency)]
                share = f"{100 * r['rps'] / bare['rps']:.0f} %" if bare else "-"
                print(f"{name:<10} {concurrency:>3} {r['rps']:>9.0f} {r['p50']:>7.0f} {r['p99']:>7.0f} {share:>8}")
        print("OK")
        return 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()
        drop()  # type: ignore[operator]
        shutil.rmtree(var, ignore_errors=True)


def default_workers() -> int:
    """What `prorata serve` starts without --workers (read from its parser)."""
    sys.path.insert(0, os.path.join(ROOT, "src"))
    from prorata.cli import DEFAULT_WORKERS

    return int(DEFAULT_WORKERS)


if __name__ == "__main__":
    sys.exit(main())
