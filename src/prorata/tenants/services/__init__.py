"""Tenant-side writes, split by use case. Import them from here."""

from .api_keys import apikey_create, apikey_revoke
from .billing_profile import billing_profile_update
from .payment_methods import (
    payment_method_add,
    payment_method_remove,
    payment_method_set_default,
    payment_method_setup,
    uses_stripe,
)
from .tenants import tenant_create
from .test_clocks import test_clock_advance, test_clock_create
from .users import user_create, user_remove, user_set_language, user_set_password

__all__ = [
    "apikey_create",
    "apikey_revoke",
    "billing_profile_update",
    "payment_method_add",
    "payment_method_remove",
    "payment_method_set_default",
    "payment_method_setup",
    "uses_stripe",
    "tenant_create",
    "test_clock_advance",
    "test_clock_create",
    "user_create",
    "user_remove",
    "user_set_language",
    "user_set_password",
]
