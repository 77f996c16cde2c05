"""Set-based writes below the ORM: many rows of one table in one statement.

psycopg's COPY on PostgreSQL, executemany on SQLite. On this machine that is the difference
between ~30k rows/s (`bulk_create`) and ~200k rows/s (docs/architecture.md, "Hot paths").
Values go in as the ORM would store them: each column gets one adapter chosen by its field's
type once per table (aware datetimes as naive UTC text on SQLite, JSON as text), not a
per-value `get_db_prep_value`, which would cost more than the write itself.

Only `prorata.platform.writer` calls these; everything else writes through it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

# Below this many rows an UPDATE per row (executemany) beats a temporary table's four statements.
TEMP_TABLE_UPDATE_FROM = 64

_encoder_default = DjangoJSONEncoder().default


def _json_default(value: Any) -> Any:
    if type(value) is datetime:
        return _json_datetime(value)
    return _encoder_default(value)


@functools.lru_cache(maxsize=1 << 16)
def _json_datetime(value: datetime) -> Any:
    # DjangoJSONEncoder's own rendering (milliseconds, "Z" for UTC), once per distinct instant.
    return _encoder_default(value)


_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def json_text(value: Any) -> str | None:
    """JSON as a JSONField with DjangoJSONEncoder stores it (datetimes, dates and times as
    DjangoJSONEncoder renders them: RFC 3339, milliseconds, "Z" for UTC). orjson encodes; the
    billing pass writes a few payloads per renewal and this was a tenth of its time with `json`."""
    if value is None:
        return None
    return orjson.dumps(value, default=_json_default, option=_OPTIONS).decode()


@functools.lru_cache(maxsize=1 << 16)
def _sqlite_datetime(value: datetime) -> str:
    # What Django's SQLite backend stores for an aware datetime: naive UTC in str() format.
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _sqlite_datetime_or_none(value: datetime | None) -> str | None:
    return None if value is None else _sqlite_datetime(value)


def _same(value: Any) -> Any:
    return value


def _adapter(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.JSONField):
        return json_text
    if isinstance(field, models.DateTimeField) and connection.vendor != "postgresql":
        return _sqlite_datetime_or_none
    return _same


@functools.lru_cache(maxsize=256)
def _plan(model: type[models.Model], names: tuple[str, ...], vendor: str) -> tuple[str, tuple[Callable[[Any], Any], ...], tuple[str, ...]]:
    fields = [model._meta.get_field(n) for n in names]
    columns = tuple(f.column for f in fields)  # type: ignore[union-attr]
    adapters = tuple(_adapter(f) for f in fields)  # type: ignore[arg-type]
    return connection.ops.quote_name(model._meta.db_table), adapters, columns


def _adapted(adapters: tuple[Callable[[Any], Any], ...], rows: Iterable[Sequence[Any]]) -> Iterable[Sequence[Any]]:
    # Only the columns that need it are converted; the rest go in as they are.
    needed = [(i, a) for i, a in enumerate(adapters) if a is not _same]
    if not needed:
        return rows
    out = []
    for r in rows:
        row = list(r)
        for i, adapt in needed:
            row[i] = adapt(row[i])
        out.append(row)
    return out


def _log_copy(sql: str, rows: int, started: float) -> None:
    # COPY runs on psycopg's own cursor, which Django's query log does not see; log it the same
    # way, so that statement counts (CaptureQueriesContext, pinned tests) include it.
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {rows} rows", "time": f"{time.monotonic() - started:.3f}"})


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT rows (values in `names` order): COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    table, adapters, columns = _plan(model, tuple(names), connection.vendor)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            started = time.monotonic()
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in _adapted(adapters, rows):
                    copy.write_row(row)
            _log_copy(f"COPY {table} ({quoted}) FROM STDIN", len(rows), started)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", list(_adapted(adapters, rows)))


def update_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE rows by primary key: each row is (pk, value of names[0], value of names[1], ...).

    Many rows on PostgreSQL: COPY into a temporary table, then one UPDATE … FROM it.
    """
    if not rows:
        return
    pk = model._meta.pk
    assert pk is not None
    table, adapters, columns = _plan(model, (pk.name, *names), connection.vendor)
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) >= TEMP_TABLE_UPDATE_FROM:
            fields = [model._meta.get_field(n) for n in (pk.name, *names)]
            temp = q(f"bulk_update_{model._meta.db_table}_{abs(hash(tuple(names))) % 10**8}")
            types = ", ".join(f"{q(c)} {f.db_type(connection)}" for c, f in zip(columns, fields, strict=True))
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} ({types}) ON COMMIT DELETE ROWS")
            cursor.execute(f"TRUNCATE {temp}")
            started = time.monotonic()
            with cursor.cursor.copy(f"COPY {temp} FROM STDIN") as copy:
                for row in _adapted(adapters, rows):
                    copy.write_row(row)
            _log_copy(f"COPY {temp} FROM STDIN", len(rows), started)
            sets = ", ".join(f"{q(c)} = u.{q(c)}" for c in columns[1:])
            cursor.execute(f"UPDATE {table} AS t SET {sets} FROM {temp} AS u WHERE t.{q(columns[0])} = u.{q(columns[0])}")
        else:
            sets = ", ".join(f"{q(c)} = %s" for c in columns[1:])
            params = [(*r[1:], r[0]) for r in _adapted(adapters, rows)]
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {q(columns[0])} = %s", params)


def delete_returning(model: type[models.Model], pks: Sequence[Any]) -> set[Any]:
    """DELETE these primary keys; returns those that were there (and so were ours to delete)."""
    if not pks:
        return set()
    pk = model._meta.pk
    assert pk is not None
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one array parameter (platform.lookups)
            cursor.execute(f"DELETE FROM {table} WHERE {q(pk.column)} = ANY(%s) RETURNING {q(pk.column)}", [list(pks)])
        else:
            marks = ", ".join(["%s"] * len(pks))
            cursor.execute(f"DELETE FROM {table} WHERE {q(pk.column)} IN ({marks}) RETURNING {q(pk.column)}", list(pks))
        return {row[0] for row in cursor.fetchall()}


def reserve_serial_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` values of the model's auto-increment primary key, for rows inserted below the ORM.

    PostgreSQL: the column's own sequence. SQLite: max(id) + 1 …, which holds because a
    transaction there has the write lock from its start (BEGIN IMMEDIATE): nobody else inserts.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))


def check_constraints_now() -> None:
    """Run PostgreSQL's deferred constraint checks of the transaction so far, now.

    Django creates foreign keys DEFERRABLE INITIALLY DEFERRED, so their checks run at COMMIT,
    while whatever row locks the transaction holds stay held. The writer calls this before it
    takes the invoice number sequence's lock, so that other writers wait on that lock for as
    short a time as possible. SQLite has one writer at a time: nothing to gain there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def defer_constraints() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
