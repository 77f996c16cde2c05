"""Every index and foreign-key check on a hot table is paid on every renewal: only those that
earn their cost exist."""

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


def test_foreign_keys_checked_on_hot_tables() -> None:
    """The money's links are checked by the database; copied tenant columns and the logs are not.

    A line's or a payment's tenant is its invoice's; an audit row and its event are written
    together by the change they record. Checking those cost more than all the rows' inserts
    (docs/architecture.md, "Hot paths").
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [HOT_TABLES],
        )
        checked = sorted(cursor.fetchall())
    assert checked == [
        ("billing_invoice", "subscriptions_subscription"),
        ("billing_invoice", "tenants_tenant"),
        ("billing_invoiceline", "billing_invoice"),
        ("billing_payment", "billing_invoice"),
        ("billing_payment", "tenants_paymentmethod"),
        ("subscriptions_subscription", "catalog_plan"),
        # The plan scheduled for the period's end: the renewal bills it. Checked only when the
        # column changes (a renewal without a scheduled change leaves it as it is).
        ("subscriptions_subscription", "catalog_plan"),
        ("subscriptions_subscription", "tenants_tenant"),
    ]
