"""Hand-written SELECTs for the API's hottest reads, turned back into model instances.

The license check and the cancellation decision run on every sign-in and every cancel page.
Built by the ORM per call, their statements cost more to compile (about 1 ms of CPU each) than
PostgreSQL took to run them, and PostgreSQL planned each one afresh. Here a statement is written
once from the models' own columns, run on PostgreSQL as a prepared statement, planned once per
connection (prorata.platform.postgresql), and its rows become ordinary model
instances, each column through the same converters the ORM applies (so SQLite's text dates come
back as aware datetimes, as from a queryset). Same tables, same tests, one statement each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def quote(name: str) -> str:
    return connection.ops.quote_name(name)  # type: ignore[no-any-return]


def select_list(model: type[models.Model], alias: str) -> str:
    """Every concrete column of `model` under table alias `alias`, in field order."""
    return ", ".join(f"{quote(alias)}.{quote(f.column)}" for f in model._meta.concrete_fields)


def width(model: type[models.Model]) -> int:
    return len(model._meta.concrete_fields)


_converters: dict[tuple[str, type[models.Model]], list[list[Any]]] = {}


def _model_converters(model: type[models.Model]) -> list[list[Any]]:
    key = (connection.vendor, model)
    found = _converters.get(key)
    if found is None:
        found = []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            found.append(list(connection.ops.get_db_converters(column)) + list(column.get_db_converters(connection)))
        _converters[key] = found
    return found


def instance(model: type[models.Model], row: Sequence[Any], start: int = 0) -> Any:
    """The model instance whose columns start at `row[start]` (as `select_list` wrote them)."""
    fields = model._meta.concrete_fields
    values = list(row[start:start + len(fields)])
    for i, converters in enumerate(_model_converters(model)):
        if converters:
            column = fields[i].get_col(model._meta.db_table)
            for converter in converters:
                values[i] = converter(values[i], column, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run `sql` (written with %s placeholders) and return its rows; prepared on PostgreSQL."""
    prepared = getattr(connection, "prepared_cursor", None)
    with prepared() if prepared is not None else connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())
