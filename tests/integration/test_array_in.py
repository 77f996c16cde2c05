"""Long `__in` lists are one array parameter on PostgreSQL, with the same rows as Django's IN."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from factories import make_plan, make_tenant
from prorata.platform.lookups import ARRAY_FROM
from prorata.subscriptions.models import Subscription
from prorata.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_a_long_list_finds_the_same_rows_as_a_short_one():
    tenants = [make_tenant() for _ in range(3)]
    plan = make_plan()
    from factories import utc

    for t in tenants:
        Subscription.objects.create(tenant=t, plan=plan, quantity=1, status="active", billing_anchor=utc(2026, 1, 1),
                                    current_period_start=utc(2026, 1, 1), current_period_end=utc(2026, 2, 1),
                                    status_changed_at=utc(2026, 1, 1), created_at=utc(2026, 1, 1))
    wanted = [tenants[0].pk, tenants[2].pk]
    padding = [f"ten_missing{i:04d}" for i in range(ARRAY_FROM)] + [None]
    with CaptureQueriesContext(connection) as queries:
        found = set(Tenant.objects.filter(pk__in=wanted + padding).values_list("pk", flat=True))
        # A foreign key's lookup (RelatedIn), by id and by object.
        by_fk = set(Subscription.objects.filter(tenant_id__in=wanted + padding).values_list("tenant_id", flat=True))
        by_obj = set(Subscription.objects.filter(tenant__in=[tenants[1], *padding[:-1]]).values_list("tenant_id", flat=True))
        excluded = set(Tenant.objects.exclude(pk__in=wanted + padding).values_list("pk", flat=True))
    assert found == set(wanted) == by_fk
    assert by_obj == {tenants[1].pk}
    assert excluded == {tenants[1].pk}
    assert Tenant.objects.filter(pk__in=[None] * (ARRAY_FROM + 1)).count() == 0
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and "IN (" not in sql
        # Short lists are Django's own IN.
        with CaptureQueriesContext(connection) as short:
            list(Tenant.objects.filter(pk__in=wanted))
        assert "IN (" in short.captured_queries[0]["sql"]
    else:
        assert "ANY(" not in sql
