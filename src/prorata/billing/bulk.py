"""The billing pass's hot path: plain renewals of a whole batch with a few statements.

Placeholder until the set-based path lands: returns the batch unchanged for the per-row path.
"""

from __future__ import annotations


def renew_simple(subs, *, actor, result):
    return subs
