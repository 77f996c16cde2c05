"""Every write on subscriptions, split by use case. Import from here."""

from .cancel import subscription_cancel, subscription_cancellation_decision
from .common import subscription_lock, subscription_transition
from .purchase import subscription_purchase
from .recurring import subscription_set_recurring_billing

__all__ = [
    "subscription_cancel",
    "subscription_cancellation_decision",
    "subscription_lock",
    "subscription_purchase",
    "subscription_set_recurring_billing",
    "subscription_transition",
]
