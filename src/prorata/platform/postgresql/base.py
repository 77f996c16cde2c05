"""Django's PostgreSQL backend, minus the `<column>_like` indexes it adds to every indexed varchar.

Django gives each indexed or unique `varchar` column a second index with `varchar_pattern_ops`
so that `LIKE 'abc%'` can use an index outside the C locale. Prorata never filters ids, foreign
keys or numbers by pattern, so those indexes were only written, never read: on the billing hot
path they were a third of the index entries of every invoice, payment and audit row
(docs/architecture.md, "Hot paths"). This backend does not create them; the migration
`platform.0002_drop_pattern_indexes` removes those an earlier version made.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, schema
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

TIMESTAMPTZ_OID = base.TIMESTAMPTZ_OID


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _create_like_index_sql(self, model: Any, field: Any) -> None:
        return None


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

    def prepared_cursor(self) -> Any:
        """A cursor that binds parameters on the server, so that psycopg prepares a statement it
        runs again and again (after its `prepare_threshold`, 5 runs) and PostgreSQL stops
        planning it each time. Django's own cursors bind on the client and are never prepared.

        For the few hot statements whose planning costs more than their execution (the license
        check: 1.1 ms of planning against 0.2 ms of execution). Queries are logged and errors
        wrapped as on any Django cursor.
        """
        import psycopg

        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = psycopg.Cursor(self.connection)
            tzloader = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != tzloader.timezone:
                register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)
