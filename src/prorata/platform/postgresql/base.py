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

import psycopg
from django.db.backends.postgresql import base, schema
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

TIMESTAMPTZ_OID = base.TIMESTAMPTZ_OID


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _create_like_index_sql(self, model: Any, field: Any) -> None:
        return None


class _PreparingCursor(psycopg.Cursor):  # type: ignore[misc]
    """Prepares every statement it runs: Django turns psycopg's automatic preparation off for the
    whole connection (`prepare_threshold` None, for transaction-mode poolers), so the few
    statements run here ask for it themselves. psycopg keeps them per connection (at most 100)."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None) -> Any:
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

    def prepared_cursor(self) -> Any:
        """A cursor that binds parameters on the server and prepares its statements, so that
        PostgreSQL plans a statement run again and again once per connection. Django's own
        cursors bind on the client and are never prepared.

        For the few hot statements whose planning costs more than their execution (the license
        check: 1.1 ms of planning against 0.2 ms of execution). Queries are logged and errors
        wrapped as on any Django cursor.
        """
        from django.conf import settings

        if not getattr(settings, "PRORATA_PREPARED_STATEMENTS", True):
            return self.cursor()  # behind a pooler that cannot keep them
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            if self.connection.prepare_threshold is None:
                # Django's "never": only statements that ask (prepare=True) are prepared, and
                # Django's own cursors, binding on the client, never are.
                self.connection.prepare_threshold = 2**31 - 1
            cursor = _PreparingCursor(self.connection)
            tzloader = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != tzloader.timezone:
                register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)
