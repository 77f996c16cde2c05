"""Validation of catalog input, SPEC §4. Pure: returns clean values or raises InvalidInput.

Bounds keep every number inside what the columns hold on both SQLite and PostgreSQL, so that
bad input is a 400 with a code, never a database error.
"""

from __future__ import annotations

import re
from typing import Any

from prorata.core.errors import InvalidInput

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
NAME_MAX = 200
NAME_LANGUAGES = ("en", "zh-Hans")
INTERVALS = ("month", "year")
PRORATION_UNITS = ("day", "second")
CREDIT_SETTLEMENTS = ("next_billing_cycle", "refund_now", "keep_as_balance")
# A trillion minor units (ten billion dollars) per license per interval is more than any price.
MAX_UNIT_AMOUNT = 10**12
MAX_DAYS = 3650
MAX_HOURS = 24 * MAX_DAYS
MAX_SEATS_LIMIT = 1_000_000

POLICY_DEFAULTS: dict[str, Any] = {
    "max_assigned_for_online_cancel": 24,
    "cancel_window_hours": None,
    "proration_unit": "day",
    "credit_settlement": "next_billing_cycle",
    "grace_days": 30,
    "disabled_days": 90,
}
# trial_days belongs to the policy table of SPEC §4 too; it is accepted there as well.
POLICY_FIELDS = (*POLICY_DEFAULTS, "trial_days")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_code(value: Any) -> str:
    if not isinstance(value, str) or not CODE_RE.match(value):
        raise InvalidInput("invalid_code", details={"field": "code"}, value=value)
    return value


def clean_name(value: Any, field: str = "name") -> str:
    if not isinstance(value, str):
        raise InvalidInput("invalid_name", details={"field": field}, field=field)
    name = value.strip()
    if not name or len(name) > NAME_MAX or "\x00" in name:
        raise InvalidInput("invalid_name", details={"field": field}, field=field)
    return name


def clean_names(value: Any) -> dict[str, str]:
    """Names in other languages: {"zh-Hans": "..."}; only the languages Prorata speaks."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("invalid_name", details={"field": "names"}, field="names")
    names = {}
    for language, name in value.items():
        if language not in NAME_LANGUAGES:
            raise InvalidInput("invalid_name", details={"field": f"names.{language}"}, field=f"names.{language}")
        names[language] = clean_name(name, f"names.{language}")
    return names


def clean_amount(value: Any) -> int:
    if not _is_int(value) or not 0 <= value <= MAX_UNIT_AMOUNT:
        raise InvalidInput("invalid_amount", details={"field": "unit_amount", "max": MAX_UNIT_AMOUNT}, value=value)
    return int(value)


def clean_interval(value: Any) -> str:
    if value not in INTERVALS:
        raise InvalidInput("invalid_interval", details={"field": "interval", "allowed": list(INTERVALS)}, value=value)
    return str(value)


def _policy_error(field: str, value: Any, **details: Any) -> InvalidInput:
    return InvalidInput("invalid_policy", details={"field": field, **details}, field=field, value=value)


def _bounded(field: str, value: Any, maximum: int, nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if not _is_int(value) or not 0 <= value <= maximum:
        raise _policy_error(field, value, min=0, max=maximum)
    return int(value)


def clean_trial_days(value: Any) -> int:
    if not _is_int(value) or not 0 <= value <= MAX_DAYS:
        raise InvalidInput("invalid_trial_days", details={"field": "trial_days", "max": MAX_DAYS}, value=value)
    return int(value)


def clean_policy(policy: dict[str, Any] | None) -> dict[str, Any]:
    """Every §4 field, defaults filled in. Unknown fields and out-of-range values are refused."""
    if policy is None:
        policy = {}
    if not isinstance(policy, dict):
        raise _policy_error("policy", policy)
    unknown = sorted(set(policy) - set(POLICY_FIELDS))
    if unknown:
        raise _policy_error(unknown[0], policy[unknown[0]], allowed=list(POLICY_FIELDS))
    clean = dict(POLICY_DEFAULTS)
    for field, value in policy.items():
        if field == "max_assigned_for_online_cancel":
            clean[field] = _bounded(field, value, MAX_SEATS_LIMIT, nullable=True)
        elif field == "cancel_window_hours":
            clean[field] = _bounded(field, value, MAX_HOURS, nullable=True)
        elif field in ("grace_days", "disabled_days"):
            clean[field] = _bounded(field, value, MAX_DAYS)
        elif field == "proration_unit":
            if value not in PRORATION_UNITS:
                raise _policy_error(field, value, allowed=list(PRORATION_UNITS))
            clean[field] = value
        elif field == "credit_settlement":
            if value not in CREDIT_SETTLEMENTS:
                raise _policy_error(field, value, allowed=list(CREDIT_SETTLEMENTS))
            clean[field] = value
        elif field == "trial_days":
            clean[field] = _bounded(field, value, MAX_DAYS)
    return clean


def resolve_trial_days(trial_days: int | None, policy: dict[str, Any]) -> int:
    """trial_days given at the top level, in the policy, or both (then they must agree)."""
    in_policy = policy.pop("trial_days", None)
    if trial_days is None:
        return 0 if in_policy is None else in_policy
    trial_days = clean_trial_days(trial_days)
    if in_policy is not None and in_policy != trial_days:
        raise _policy_error("trial_days", in_policy)
    return trial_days
