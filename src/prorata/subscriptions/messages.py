"""Codes of the subscriptions domain (errors and cancellation decisions) and their messages.

Placeholders are filled from the error's or decision's params; amounts and dates arrive
already formatted for the reader's language (see `subscriptions.display`).
"""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # The status machine.
    "invalid_transition": _("A subscription in status “%(status)s” cannot take the step “%(event)s”."),
    # Cancellation decisions, allowed ones included: the Cancel page shows these words.
    "cancel_allowed": _(
        "You can cancel this subscription now. %(amount)s for the unused part of the current "
        "period will come back to you by %(settles_on)s."
    ),
    "trial_cancel_allowed": _(
        "You can cancel this trial. It will not turn into a paid subscription and nothing will "
        "be charged; it stops on %(trial_end)s."
    ),
    "trial_nothing_to_cancel": _(
        "This is a free trial and no payment method is on file, so there is nothing to cancel. "
        "The trial ends by itself on %(trial_end)s and nothing will be charged."
    ),
    "expired_nothing_to_cancel": _(
        "This subscription has already expired and will not be charged again, so there is "
        "nothing to cancel."
    ),
    "already_cancelled": _("This subscription has already been cancelled."),
    "too_many_licenses": _(
        "%(assigned)s licenses of this subscription are assigned to users. It can be cancelled "
        "online only while %(max)s or fewer are assigned. Unassign licenses until no more than "
        "%(max)s are assigned (%(users_to_remove)s to go), or ask us to call you and a support "
        "engineer will cancel it with you."
    ),
    "outside_cancel_window": _(
        "This subscription can be cancelled only in the first %(hours)s hours of a billing "
        "period, and that time has passed. You can turn off recurring billing instead, so that "
        "it ends on %(period_end)s."
    ),
    # Buying and changing.
    "invalid_quantity": _("The number of licenses must be a whole number of at least 1."),
    "plan_not_available": _("This plan is no longer sold."),
    "currency_mismatch": _(
        "This plan is priced in %(plan_currency)s, but the organisation is billed in "
        "%(tenant_currency)s."
    ),
    "trial_not_available": _("This plan has no free trial."),
    "subscription_not_active": _(
        "This subscription is “%(status)s”; this needs an active subscription or a trial."
    ),
    "invalid_cancel_reason": _("“%(value)s” is not one of the cancellation reasons: %(choices)s."),
    "feedback_too_long": _("The feedback can be at most %(max)s characters long."),
    "callback_request_not_open": _(
        "That callback request is already resolved, so it cannot be used to cancel on the "
        "customer's behalf."
    ),
    "callback_request_other_subscription": _("That callback request is about another subscription."),
    # Plan changes and plan limits.
    "invalid_change_at": _("“%(at)s” is not a time for a plan change: use “now” or “period_end”."),
    "plan_unchanged": _("The subscription is already on this plan with this number of licenses."),
    "plan_change_currency": _("This plan is priced in %(to)s, but the subscription is billed in %(from)s."),
    "plan_change_not_allowed": _(
        "This subscription cannot be moved to that plan: only plans of the same product or of the "
        "same product family can be changed between."
    ),
    "plan_change_at_period_end": _(
        "A downgrade or a change of billing interval takes effect at the end of the current "
        "period. Choose “at the end of the period” to schedule it."
    ),
    "quantity_below_plan_minimum": _("This plan needs at least %(min_seats)s licenses."),
    "quantity_above_plan_maximum": _("This plan allows at most %(max_seats)s licenses."),
    "recurring_billing_off": _(
        "Recurring billing is off, so the subscription ends with this period. Turn it on to "
        "schedule a plan change for the next one."
    ),
    "no_scheduled_change": _("No plan change is scheduled for this subscription."),
    # Retention offers.
    "no_retention_offer": _("There is no offer for this subscription now."),
    "retention_offer_decided": _("This offer has already been answered."),
    "invalid_month": _("“%(value)s” is not a month: use YYYY-MM, for example 2026-04."),
}
