"""Every index on a hot table is paid on every renewal: only those some query reads exist."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

HOT_TABLES = ["audit_auditevent", "webhooks_event", "billing_invoice", "billing_invoiceline", "billing_payment",
              "subscriptions_subscription"]


def _indexes(tables: list[str]) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s)",
            [tables],
        )
        return dict(cursor.fetchall())


def test_no_pattern_ops_twin_indexes() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE %s",
            ["%pattern_ops%"],
        )
        assert cursor.fetchall() == []


def test_no_single_tenant_index_beside_a_composite_one() -> None:
    indexes = _indexes(HOT_TABLES).values()

    def table(sql: str) -> str:
        return sql.split(" ON ")[1].split(" ")[0].split(".")[-1]

    composite = {table(sql) for sql in indexes if "(tenant_id, " in sql}
    assert composite == {"audit_auditevent", "webhooks_event", "billing_invoice", "billing_payment",
                         "subscriptions_subscription"}
    single = {table(sql) for sql in indexes if sql.endswith("USING btree (tenant_id)")}
    assert single & composite == set()
