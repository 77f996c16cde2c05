"""How a credit note is settled, SPEC R6 and §4: application first, then refund, then balance.

Pure arithmetic on minor units: the result always accounts for the whole credit note, so
`applied + refunded == amount` holds by construction.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Split:
    # (invoice id, amount) applied to open invoices, in the order given.
    applications: tuple[tuple[str, int], ...]
    # (payment id, amount) refunded to the payments, in the order given.
    refunds: tuple[tuple[str, int], ...]
    # What neither an invoice nor a payment could take: kept as the tenant's credit balance.
    to_balance: int

    @property
    def applied(self) -> int:
        return sum(a for _, a in self.applications) + self.to_balance

    @property
    def refunded(self) -> int:
        return sum(a for _, a in self.refunds)


def split_credit(
    amount: int,
    *,
    open_invoices: list[tuple[str, int]],
    refundable_payments: list[tuple[str, int]],
    mode: str,
) -> Split:
    """Split `amount` between invoices still owed, payments that can be refunded, and balance.

    `mode` is the plan's `credit_settlement`: `next_billing_cycle` applies to the invoices given
    (those issued at the boundary) first and refunds the rest; `refund_now` refunds at once;
    `keep_as_balance` keeps it all as account credit.
    """
    if amount < 0:
        raise ValueError("a credit is not negative")
    remaining = amount
    applications: list[tuple[str, int]] = []
    refunds: list[tuple[str, int]] = []
    if mode == "keep_as_balance":
        return Split((), (), amount)
    if mode == "next_billing_cycle":
        for invoice_id, owed in open_invoices:
            take = min(remaining, max(owed, 0))
            if take > 0:
                applications.append((invoice_id, take))
                remaining -= take
    for payment_id, refundable in refundable_payments:
        take = min(remaining, max(refundable, 0))
        if take > 0:
            refunds.append((payment_id, take))
            remaining -= take
    return Split(tuple(applications), tuple(refunds), remaining)
