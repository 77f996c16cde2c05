"""Benchmark of the Users page at scale: every variant of the page for a tenant of N users.

    .venv/bin/python bench/users_page.py [--users 5000] [--runs 7]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prorata .venv/bin/python bench/users_page.py

It makes its own database (a new PostgreSQL database next to DATABASE_URL's, or a temporary
SQLite file), migrates it, and seeds one tenant with N users, three subscriptions and licenses
for about 60 % of the users (a third of them hold two). Then it requests each Users page — the
first page, a middle and the last page, a search by name and by e-mail, each filter (a product,
unlicensed, a role), each sort, a filter with a search and a sort together, Deleted users, one
user's page and its edit page, the import page, and the CSV export of a role and of everyone — through
Django's own request handling in this process, signed in as the tenant's global admin, and
prints the median and the slowest server time of `--runs` requests of each (after one warm-up).
Server time is the time from the request entering Django to its response being rendered.
The run fails (exit 1) when a median is at or above `--budget-ms` (300).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from billing_run import _setup, make_database  # noqa: E402


def seed(n: int) -> dict[str, object]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from prorata.catalog.services import plan_create, product_create
    from prorata.core.actor import SYSTEM
    from prorata.licenses.models import License
    from prorata.subscriptions.services import subscription_purchase
    from prorata.tenants.models import User
    from prorata.tenants.services import payment_method_add, tenant_create

    tenant = tenant_create(actor=SYSTEM, name="Contoso Ltd", country="US", language="en", currency="USD", timezone="UTC")
    payment_method_add(actor=SYSTEM, tenant=tenant, card_number="4242424242424242", exp_month=12, exp_year=2040, cvc="123")
    admin = User(tenant=tenant, email="admin@contoso.test", display_name="Megan Bowen", role="global_admin")
    admin.set_unusable_password()
    admin.save()
    first = ["Adele", "Alex", "Diego", "Grady", "Henrietta", "Isaiah", "Johanna", "Joni", "Lee", "Lidia",
             "Lynne", "Megan", "Miriam", "Nestor", "Patti", "Pradeep", "王芳", "李娜", "张伟", "刘洋"]
    last = ["Vance", "Wilber", "Siciliani", "Archie", "Mueller", "Henderson", "Lauer", "Sherman", "Gu",
            "Holloway", "Robbins", "Bowen", "Bowen", "Wilke", "Fernandez", "Gupta", "陈", "杨", "赵", "黄"]
    roles = ["user"] * 18 + ["billing_admin", "global_admin"]
    people = []
    for i in range(n - 1):
        u = User(tenant=tenant, email=f"person{i:05d}@contoso.test", role=roles[i % 20],
                 display_name=f"{first[i % 20]} {last[(i * 7) % 20]} {i:05d}", password="!")
        people.append(u)
    User.objects.bulk_create(people, batch_size=1000)
    subs = []
    for k, (code, price) in enumerate([("e3", 2000), ("e1", 1000), ("visio", 1500)]):
        product = product_create(actor=SYSTEM, code=f"office-{code}", name=f"Office 365 {code.upper()}")
        plan = plan_create(actor=SYSTEM, product_id=product.pk, code=f"{code}-monthly", name=f"{code} monthly",
                           currency="USD", unit_amount=price, interval="month")
        subs.append(subscription_purchase(actor=SYSTEM, tenant_id=tenant.pk, plan_id=plan.pk, quantity=n))
        del k
    at = datetime.now(UTC)
    ids = list(User.objects.filter(tenant=tenant).order_by("id").values_list("id", flat=True))
    licenses = []
    for i, uid in enumerate(ids):
        if i % 5 < 3:
            licenses.append(License(tenant=tenant, subscription=subs[0], user_id=uid, assigned_at=at))
            if i % 3 == 0:
                licenses.append(License(tenant=tenant, subscription=subs[1 + i % 2], user_id=uid, assigned_at=at))
    License.objects.bulk_create(licenses, batch_size=2000)
    # A hundred people removed recently: listed under Deleted users, absent from every other page.
    gone = [uid for i, uid in enumerate(ids) if i % 5 == 4][:100]
    User.objects.filter(pk__in=gone).update(deleted_at=at, is_active=False)
    if os.environ.get("BENCH_ANALYZE", "1") == "1":
        from django.db import connection

        # What autovacuum does within a minute of a bulk load: without statistics PostgreSQL
        # takes `deleted_at IS NULL` to match 0.5 % of the rows and plans for a handful of users.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    return {"admin": admin, "subs": subs, "licenses": len(licenses), "someone": ids[len(ids) // 2]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--budget-ms", type=float, default=300.0)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "sqlite:///")
    url, drop = make_database(base)
    _setup(url)
    try:
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        drop()  # type: ignore[operator]


def run(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    t0 = time.perf_counter()
    world = seed(args.users)
    print(f"seeded {args.users} users and {world['licenses']} licenses in {time.perf_counter() - t0:.1f} s "
          f"on {'PostgreSQL' if url_is_postgres() else 'SQLite'}")
    client = Client()
    client.force_login(world["admin"])
    e3 = world["subs"][0].pk
    pages = (args.users + 49) // 50
    variants = [
        ("first page", "/users/"),
        ("middle page", f"/users/?page={pages // 2}"),
        ("last page", f"/users/?page={pages}"),
        ("search by name", "/users/?q=robbins"),
        ("search by e-mail", "/users/?q=person0421"),
        ("filter: one product", f"/users/?license={e3}"),
        ("filter: unlicensed", "/users/?license=none"),
        ("filter: role", "/users/?role=billing_admin"),
        ("sort: e-mail descending", "/users/?sort=-email"),
        ("sort: role", "/users/?sort=role&page=40"),
        ("search + filter + sort", f"/users/?q=an&license={e3}&sort=-name&page=3"),
        ("deleted users", "/users/deleted/"),
        ("a user", f"/users/{world['someone']}/"),
        ("edit a user", f"/users/{world['someone']}/edit/"),
        ("import", "/users/import/"),
        ("export CSV: a role", "/users/export.csv?role=billing_admin"),
        ("export CSV: everyone", "/users/export.csv"),
    ]
    if os.environ.get("BENCH_QUERIES"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        path = variants[int(os.environ["BENCH_QUERIES"])][1]
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        for q in ctx.captured_queries:
            print(q["time"], q["sql"][:300])
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        client.get(variants[int(os.environ["BENCH_PROFILE"])][1])
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(3):
            client.get(variants[int(os.environ["BENCH_PROFILE"])][1])
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    worst = 0.0
    print(f"{'page':<26} {'median ms':>10} {'max ms':>8}")
    for name, path in variants:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{name:<26} {median:>10.1f} {max(times):>8.1f}")
    ok = worst < args.budget_ms
    print(f"slowest median {worst:.1f} ms (budget {args.budget_ms:.0f} ms)")
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


def url_is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


if __name__ == "__main__":
    sys.exit(main())
