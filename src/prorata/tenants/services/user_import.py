"""Users from a CSV file: what would change (a preview with per-row errors), then the change.

The file has a header row with `email`, `display_name` and `role` (`global_admin`,
`billing_admin`, `user`; empty = `user`), the columns the export writes. A row whose address is
one of the tenant's users updates that user's name and role; another address adds a user. Rows
are read with tablib. Applying plans every row again against the users as they are then, and
each row is one call of user_create or user_update (one transaction each): a refusal of one row
leaves the others done, and says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tablib

from prorata.core.actor import Actor
from prorata.core.errors import InvalidInput, ProrataError

from ..domain import validation as v
from ..models import Tenant, User
from .access import USER_ADMINS, require_tenant_role

MAX_BYTES = 2_000_000
MAX_ROWS = 10_000
COLUMNS = ("email", "display_name", "role")


@dataclass
class ImportRow:
    line: int
    email: str
    display_name: str
    role: str
    action: str = ""  # create | update | unchanged | error
    user_id: str = ""
    before: dict[str, str] = field(default_factory=dict)
    error: tuple[str, dict[str, Any]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "email": self.email, "display_name": self.display_name, "role": self.role,
                "action": self.action, "user_id": self.user_id, "before": self.before,
                "error": list(self.error) if self.error else None}


def _read(data: bytes) -> list[dict[str, str]]:
    if not isinstance(data, bytes | bytearray) or not data.strip():
        raise InvalidInput("invalid_csv", details={"field": "file"}, reason="empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput("csv_too_large", details={"field": "file"}, max_rows=MAX_ROWS)
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("invalid_csv_encoding", details={"field": "file"}) from None
    try:
        dataset = tablib.Dataset().load(text, format="csv", headers=True)
    except Exception:  # tablib raises a variety of errors for files that are not CSV
        raise InvalidInput("invalid_csv", details={"field": "file"}, reason="format") from None
    headers = [str(h or "").strip().lower() for h in (dataset.headers or [])]
    if "email" not in headers:
        raise InvalidInput("csv_missing_columns", details={"field": "file"}, columns=", ".join(COLUMNS))
    if dataset.height > MAX_ROWS:
        raise InvalidInput("csv_too_large", details={"field": "file"}, max_rows=MAX_ROWS)
    out = []
    for values in dataset:
        row = {headers[i]: str(value if value is not None else "").strip() for i, value in enumerate(values) if i < len(headers)}
        out.append(row)
    return out


def _plan(tenant: Tenant, rows: list[ImportRow]) -> list[ImportRow]:
    from .users import _clean_email

    emails = set()
    for row in rows:
        try:
            row.email = _clean_email(row.email)
        except InvalidInput as exc:
            row.action, row.error = "error", (exc.code, exc.params)
            continue
        if row.email in emails:
            row.action, row.error = "error", ("csv_duplicate_email", {"email": row.email})
            continue
        emails.add(row.email)
    known = {u.email: u for u in User.objects.filter(email__in=emails)}
    for row in rows:
        if row.action == "error":
            continue
        try:
            row.role = v.clean_role(row.role or "user")
            row.display_name = v.clean_name(row.display_name, "display_name", "invalid_display_name")
        except InvalidInput as exc:
            row.action, row.error = "error", (exc.code, exc.params)
            continue
        user = known.get(row.email)
        if user is None:
            row.action = "create"
        elif user.tenant_id != tenant.pk:
            row.action, row.error = "error", ("email_taken", {"email": row.email})
        elif user.deleted_at is not None:
            row.action, row.error = "error", ("email_of_deleted_user", {"email": row.email})
        else:
            row.user_id = user.pk
            row.before = {"display_name": user.display_name, "role": user.role}
            same = (user.display_name, user.role) == (row.display_name, row.role)
            row.action = "unchanged" if same else "update"
    return rows


def users_import_preview(*, actor: Actor, tenant: Tenant, data: bytes) -> list[ImportRow]:
    """What importing the file would do, row by row; nothing is written."""
    require_tenant_role(actor, tenant, USER_ADMINS)
    rows = [ImportRow(line=n, email=r.get("email", ""), display_name=r.get("display_name", "") or r.get("name", ""),
                      role=r.get("role", ""))
            for n, r in enumerate(_read(data), start=2)]
    return _plan(tenant, rows)


def users_import_apply(*, actor: Actor, tenant: Tenant, rows: list[dict[str, Any]]) -> tuple[dict[str, int], list[ImportRow]]:
    """Apply previewed rows (as `ImportRow.as_dict` gave them): counts by action, and the rows refused."""
    from .users import user_create, user_update

    require_tenant_role(actor, tenant, USER_ADMINS)
    planned = _plan(tenant, [ImportRow(line=int(r["line"]), email=str(r["email"]), display_name=str(r["display_name"]),
                                       role=str(r["role"])) for r in rows[:MAX_ROWS]])
    counts = {"create": 0, "update": 0, "unchanged": 0}
    refused = []
    for row in planned:
        if row.action == "error":
            refused.append(row)
            continue
        try:
            if row.action == "create":
                user_create(actor=actor, tenant=tenant, email=row.email, display_name=row.display_name, role=row.role)
            elif row.action == "update":
                user_update(actor=actor, tenant=tenant, user_id=row.user_id, display_name=row.display_name, role=row.role)
        except ProrataError as exc:
            row.action, row.error = "error", (exc.code, exc.params)
            refused.append(row)
            continue
        counts[row.action] += 1
    return counts, refused
