"""Drop the `varchar_pattern_ops` twin indexes Django's PostgreSQL backend used to add.

`prorata.platform.postgresql` no longer creates them (nothing in Prorata matches ids or keys by
pattern); this removes those a database made by an earlier version still has. Nothing to do on
SQLite, and nothing to undo: going back leaves the database without them.
"""

from django.db import migrations

APPS = ("audit", "billing", "catalog", "licenses", "platform", "subscriptions", "support", "tenants", "web", "webhooks")


def drop_pattern_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.indexname LIKE %s AND i.indexdef LIKE %s AND split_part(i.tablename, '_', 1) = ANY(%s)",
            ["%\\_like", "%pattern_ops%", list(APPS)],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("platform", "0001_idempotency_and_rate_limits"),
        ("audit", "0003_tenant_index_in_composite"),
        ("billing", "0003_tenant_index_in_composite"),
        ("catalog", "0001_initial"),
        ("licenses", "0003_initial"),
        ("subscriptions", "0003_tenant_index_in_composite"),
        ("support", "0002_initial"),
        ("tenants", "0001_initial"),
        ("web", "0001_sign_in_failures"),
        ("webhooks", "0002_tenant_index_in_composite"),
    ]

    operations = [migrations.RunPython(drop_pattern_indexes, migrations.RunPython.noop, elidable=True)]
