"""The subscription status machine: every row of SPEC §3's table, and refusals of the rest."""

from __future__ import annotations

import itertools

import pytest

from prorata.core.errors import Conflict
from prorata.core.transitions import (
    ASSIGNABLE,
    ENTITLED,
    EVENTS,
    STATUSES,
    TRANSITIONS,
    Event,
    InvalidTransition,
    can_transition,
    is_entitled,
    next_status,
)

# SPEC §3, row by row, written out independently of the module's table.
SPEC_ROWS = [
    ("trialing", "trial_converted", "active"),
    ("trialing", "trial_conversion_failed", "past_due"),
    ("trialing", "trial_expired", "expired"),
    ("active", "renewal_failed", "past_due"),
    ("past_due", "retry_succeeded", "active"),
    ("past_due", "retries_exhausted", "expired"),
    ("active", "period_ended", "expired"),
    ("active", "cancelled", "disabled"),
    ("past_due", "cancelled", "disabled"),
    ("expired", "grace_ended", "disabled"),
    ("disabled", "disabled_ended", "deleted"),
    ("expired", "reactivated", "active"),
    ("disabled", "reactivated", "active"),
    # Pay by invoice (issue 11): a sent invoice past its due date, and that invoice paid by
    # transfer, voided or written off.
    ("active", "invoice_overdue", "past_due"),
    ("past_due", "overdue_cleared", "active"),
]


@pytest.mark.parametrize(("current", "event", "expected"), SPEC_ROWS)
def test_every_row_of_the_table(current: str, event: str, expected: str) -> None:
    assert next_status(current, event) == expected
    assert can_transition(current, event)


def test_the_table_has_exactly_the_spec_rows() -> None:
    assert {(c, e): t for c, e, t in SPEC_ROWS} == TRANSITIONS
    assert len(TRANSITIONS) == 15


NOT_IN_TABLE = [
    (s, e) for s, e in itertools.product(STATUSES, EVENTS) if (s, e) not in {(c, ev) for c, ev, _ in SPEC_ROWS}
]


@pytest.mark.parametrize(("current", "event"), NOT_IN_TABLE)
def test_everything_else_is_refused(current: str, event: str) -> None:
    with pytest.raises(InvalidTransition) as info:
        next_status(current, event)
    assert info.value.code == "invalid_transition"
    assert info.value.status == 409
    assert info.value.details == {"from_status": current, "event": event}
    assert not can_transition(current, event)


def test_refusals_are_conflicts_with_params_for_the_message() -> None:
    with pytest.raises(Conflict) as info:
        next_status("deleted", Event.REACTIVATED)
    assert info.value.params == {"status": "deleted", "event": "reactivated"}
    assert len(NOT_IN_TABLE) == len(STATUSES) * len(EVENTS) - 15


def test_unknown_status_or_event_is_refused() -> None:
    with pytest.raises(InvalidTransition):
        next_status("paused", Event.CANCELLED)
    with pytest.raises(InvalidTransition):
        next_status("active", "renewed")


def test_entitled_statuses() -> None:
    assert frozenset({"trialing", "active", "past_due", "expired"}) == ENTITLED
    assert [s for s in STATUSES if is_entitled(s)] == ["trialing", "active", "past_due", "expired"]
    assert not is_entitled("disabled") and not is_entitled("deleted")
    assert frozenset({"trialing", "active", "past_due"}) == ASSIGNABLE
