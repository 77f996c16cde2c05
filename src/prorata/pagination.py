"""Cursor pagination for every API list: `?limit=` (1..100, default 10) and `?starting_after=<id>`.

Lists are ordered by id (ids are time-ordered), so a cursor is simply the last id seen. The
cursor must be an id visible in the same (already tenant-scoped) queryset, so a cursor can never
reveal another tenant's objects: an unknown or foreign id is NotFound.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from prorata.core.errors import InvalidInput, NotFound

DEFAULT_LIMIT = 10
MAX_LIMIT = 100

M = TypeVar("M", bound=Model)


def usable_id(value: object) -> bool:
    """Whether `value` can name a row: a string without NUL (PostgreSQL text cannot hold one).

    Look-ups by an id taken from a request check this first and answer NotFound otherwise.
    """
    return isinstance(value, str) and "\x00" not in value


def paginate(queryset: QuerySet[M], limit: int | None = None, starting_after: str | None = None) -> tuple[list[M], bool]:
    """One page of `queryset` by ascending id: (items, has_more)."""
    if limit is None:
        limit = DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("invalid_limit", details={"min": 1, "max": MAX_LIMIT}, value=limit, max=MAX_LIMIT)
    queryset = queryset.order_by("pk")
    if starting_after:
        if not usable_id(starting_after) or not queryset.filter(pk=starting_after).exists():
            raise NotFound("not_found", details={"starting_after": starting_after})
        queryset = queryset.filter(pk__gt=starting_after)
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def page(items: list[Any], has_more: bool) -> dict[str, Any]:
    """The list response shape: {"data": [...], "has_more": bool}."""
    return {"data": items, "has_more": has_more}
