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


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _create_like_index_sql(self, model: Any, field: Any) -> None:
        return None


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
