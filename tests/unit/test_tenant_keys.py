"""Every tenant-owned table carries `tenant_id` in its primary key or in a unique constraint, so
that the schema can be distributed by tenant (Citus) without a rewrite (docs/operations.md).

A table is tenant-owned when it has a `tenant` foreign key. `KNOWN_GAPS` lists those that do not
meet the rule yet, each with why; the test fails if one of them is fixed (remove it from the list)
or if a new table misses the rule."""

from __future__ import annotations

from django.apps import apps
from django.db import models

PRODUCT_APPS = ("catalog", "tenants", "subscriptions", "licenses", "billing", "support", "audit", "webhooks",
                "payments", "platform", "web")

# Tables whose keys do not include tenant_id today. Rewriting billing's keys is a migration of its
# own (docs/operations.md, "Distributing by tenant").
_ID = "single-column primary key `id` (a globally unique prefixed id); Citus wants (tenant_id, id)"
KNOWN_GAPS: dict[str, str] = {
    "audit_auditevent": _ID,
    "subscriptions_cancelattempt": _ID,
    "subscriptions_retentionoffer": _ID,
    "billing_creditapplication": _ID,
    "billing_creditnote": _ID + "; `number` unique install-wide",
    "billing_gatewaycall": "primary key `key` alone (also unique with tenant)",
    "billing_invoice": _ID + "; `number` unique install-wide",
    "billing_invoiceline": _ID,
    "billing_payment": _ID,
    "billing_refund": _ID,
    "licenses_license": _ID,
    "subscriptions_statuschange": _ID,
    "subscriptions_subscription": _ID,
    "support_callbackrequest": _ID,
    "tenants_apikey": _ID + "; `prefix` and `secret_hash` unique install-wide (looked up before the tenant is known)",
    "tenants_paymentmethod": _ID + "; `gateway_token` unique install-wide",
    "tenants_user": _ID + "; `email` unique install-wide (sign-in looks it up before the tenant is known)",
    "webhooks_delivery": _ID + "; unique (endpoint, event)",
    "webhooks_event": _ID + "; unique audit_event",
    "webhooks_webhookendpoint": _ID + " (vendor-wide endpoints have no tenant)",
}


def _tenant_owned() -> list[type[models.Model]]:
    owned = []
    for model in apps.get_models():
        if model._meta.app_label not in PRODUCT_APPS or model._meta.proxy:
            continue
        field = next((f for f in model._meta.fields if f.name == "tenant"), None)
        if field is not None and field.is_relation:
            owned.append(model)
    return owned


def _keys(model: type[models.Model]) -> list[tuple[str, ...]]:
    pk = model._meta.pk
    # A composite primary key (Django 5.2) is its columns together.
    keys = [tuple(f.column for f in pk.fields) if isinstance(pk, models.CompositePrimaryKey) else (pk.column,)]
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            keys.append(tuple(model._meta.get_field(f).column for f in constraint.fields))
    for together in model._meta.unique_together:
        keys.append(tuple(model._meta.get_field(f).column for f in together))
    for field in model._meta.fields:
        if field.unique and not field.primary_key:
            keys.append((field.column,))
    return keys


def _missing() -> dict[str, list[tuple[str, ...]]]:
    out = {}
    for model in _tenant_owned():
        keys = _keys(model)
        if not all("tenant_id" in key for key in keys):
            out[model._meta.db_table] = [k for k in keys if "tenant_id" not in k]
    return out


def test_every_tenant_owned_table_has_tenant_id_in_its_keys():
    missing = _missing()
    print("tables whose primary or unique keys lack tenant_id:")
    for table, keys in sorted(missing.items()):
        print(f"  {table}: {keys}")
    assert _tenant_owned(), "no tenant-owned table found: the test would pass vacuously"
    unexpected = sorted(set(missing) - set(KNOWN_GAPS))
    fixed = sorted(set(KNOWN_GAPS) - set(missing))
    assert not unexpected, f"tenant-owned tables without tenant_id in every key: {unexpected}"
    assert not fixed, f"remove from KNOWN_GAPS, now keyed by tenant: {fixed}"
