"""Error codes of tenants, users, API keys, payment methods (the sandbox gateway), test clocks and
list pagination, with their messages."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "invalid_csv": _("The file could not be read as CSV. Save it as CSV (UTF-8) with a header row, as the export writes it."),
    "invalid_csv_encoding": _("The file is not UTF-8 text. Save it as “CSV UTF-8”."),
    "csv_too_large": _("The file is too large: import at most %(max_rows)s users at a time."),
    "csv_missing_columns": _("The first row must name the columns: %(columns)s."),
    "csv_duplicate_email": _("%(email)s appears more than once in the file."),
    "email_of_deleted_user": _("%(email)s belongs to a user removed less than 30 days ago. Restore them under Deleted users instead."),
    "restore_expired": _("This user was removed more than %(days)s days ago and can no longer be restored."),
    "cannot_change_own_role": _("You cannot take the global admin role from yourself. Ask another global admin."),
    "invitation_accepted": _("This person has already chosen a password; there is nothing to send."),
    # Tenants and users
    "invalid_tenant_name": _("The name must be 1 to %(max)s characters."),
    "invalid_display_name": _("The display name must be 1 to %(max)s characters."),
    "invalid_country": _("“%(value)s” is not an ISO 3166 two-letter country code."),
    "invalid_language": _("The language must be “en” or “zh-Hans”."),
    "invalid_timezone": _("“%(value)s” is not an IANA time zone name (for example “Asia/Shanghai”)."),
    "invalid_role": _("The role must be “global_admin”, “billing_admin” or “user”."),
    "invalid_email": _("“%(value)s” is not a valid email address."),
    "email_taken": _("A user with the email address %(email)s already exists."),
    "invalid_password": _("This password cannot be used. %(reason)s"),
    "cannot_remove_self": _("You cannot remove yourself. Ask another global admin."),
    "last_global_admin": _("This is the organization's last global admin. Make another user a global admin first."),
    # Billing profile
    "invalid_tax_id": _("“%(value)s” is not a valid tax id for the chosen country."),
    "invalid_profile_field": _("This field must be at most %(max)s characters."),
    "legal_name_required": _("Enter the legal name that invoices are made out to."),
    # API keys
    "invalid_api_key_kind": _("An API key is an “operator” key without a tenant, or a “tenant” key with one."),
    "invalid_key_name": _("The key name must be 1 to %(max)s characters."),
    # Test clocks
    "invalid_time": _("“%(field)s” must be an RFC 3339 time with a time zone, for example 2026-01-31T00:00:00Z."),
    "invalid_clock_name": _("The clock name must be 1 to %(max)s characters."),
    "clock_cannot_go_backwards": _(
        "A test clock only moves forward: it is at %(frozen_time)s and cannot go back to %(requested)s."
    ),
    # Payment methods (sandbox gateway)
    "invalid_card_number": _("The card number is not valid."),
    "invalid_expiry": _("The card's expiry month or year is not valid."),
    "invalid_cvc": _("The card's security code (CVC) must be 3 or 4 digits."),
    "card_declined": _("The card was declined. Try another card."),
    "card_expired": _("The card has expired. Try another card."),
    "payment_method_required": _("Add a payment method first: there is no default card to charge."),
    # Payment methods (Stripe)
    "card_entry_not_available": _(
        "Card numbers are not accepted here: add the card through the Payment methods page, where Stripe "
        "collects it, or send the Stripe PaymentMethod id as “stripe_payment_method”."
    ),
    "invalid_payment_method": _("“stripe_payment_method” must be the id (pm_…) of a card PaymentMethod made by Stripe."),
    "stripe_not_configured": _("This installation does not use Stripe: add a card with its number instead."),
    # Lists
    "invalid_limit": _("The limit must be a whole number from 1 to %(max)s."),
    # How a tenant pays
    "invalid_collection": _("Collection must be “charge_automatically” or “send_invoice”."),
    "invalid_days_until_due": _("Days until due must be a whole number from 0 to %(max)s."),
}
