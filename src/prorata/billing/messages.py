"""Billing's error codes and their messages (English source; zh-Hans in locale/)."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "invalid_manual_credit": _("The credit must be more than zero and at most 10,000,000,000.00 in the tenant's currency."),
    "invalid_credit_reason": _("Say why the credit is given, in 1 to %(max)s characters."),
    "invalid_credit_key": _("This confirmation is not valid any more. Open the credit page again."),
    "credit_key_reused": _("This confirmation was already used for another amount. Open the credit page again."),
    "licenses_in_use": _(
        "%(assigned)s licenses are assigned to users, so the subscription cannot have fewer than that. "
        "Remove licenses from users first."
    ),
    "cannot_reactivate": _("Only an expired or disabled subscription can be reactivated; this one is %(status)s."),
    "reactivate_later": _(
        "A period of this subscription already started at this moment. Reactivate it a little later."
    ),
    "subscription_not_changeable": _("The number of licenses cannot be changed while the subscription is %(status)s."),
    "subscription_past_due": _("The last payment failed. Update your payment method before buying more licenses."),
    "payment_in_progress": _(
        "A payment for this subscription is being processed right now. Try again in a minute."
    ),
    "payment_not_confirmed": _(
        "The payment processor did not confirm the payment in time. Nothing more will be charged: "
        "check Bills & payments in a few minutes to see whether it went through."
    ),
    "authentication_required": _(
        "Your bank asks you to confirm this payment. Open Bills & payments and choose Confirm payment."
    ),
    "payment_method_unusable": _(
        "The card on file can no longer be charged (it was removed at the payment processor). Add another card."
    ),
    "invalid_credit_amount": _("A credit must be a whole, non-negative number of minor units."),
    "invalid_as_of": _("“%(value)s” is not a valid time. Use RFC 3339, for example 2026-01-31T00:00:00Z."),
    # Pay by invoice: an operator's actions on an invoice.
    "invalid_payment_amount": _("The amount must be a whole number of minor units greater than zero."),
    "invalid_payment_reference": _("Give the bank's reference of the transfer: 1 to %(max)s printable characters."),
    "payment_awaiting_confirmation": _(
        "A card payment for this invoice is waiting for the cardholder to confirm it. Record a "
        "transfer, void or write off the invoice once that payment is confirmed or has failed."
    ),
    "invoice_not_open": _("This invoice is %(status)s: only an open invoice can take a payment, be voided or be written off."),
    "overpayment": _(
        "%(amount)s is more than is still owed on this invoice (%(amount_due)s). Record at most what is owed."
    ),
    "payment_already_recorded": _("A transfer with the reference “%(reference)s” is already recorded for this invoice."),
    "invoice_partially_paid": _(
        "Money was already received on this invoice, so it cannot be voided. Mark it uncollectible instead."
    ),
}
