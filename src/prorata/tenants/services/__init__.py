"""Tenant-side writes, split by use case. Import them from here."""

from .api_keys import apikey_create, apikey_revoke
from .billing_profile import billing_profile_update
from .invitations import invitation_resend, invitation_send
from .payment_methods import (
    payment_method_add,
    payment_method_remove,
    payment_method_set_default,
    payment_method_setup,
    uses_stripe,
)
from .tenants import tenant_create, tenant_onboard, tenant_set_collection, tenant_update
from .test_clocks import test_clock_advance, test_clock_create
from .user_import import users_import_apply, users_import_preview
from .users import (
    RESTORE_DAYS,
    user_create,
    user_remove,
    user_restore,
    user_set_language,
    user_set_password,
    user_update,
)

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
    "tenant_onboard",
    "tenant_update",
    "invitation_resend",
    "invitation_send",
    "tenant_set_collection",
    "test_clock_advance",
    "test_clock_create",
    "user_create",
    "user_remove",
    "user_restore",
    "user_update",
    "users_import_apply",
    "users_import_preview",
    "RESTORE_DAYS",
    "user_set_language",
    "user_set_password",
]
