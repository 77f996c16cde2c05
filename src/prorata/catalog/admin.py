from django.contrib import admin

from prorata.web.backoffice import ServiceAdmin

from .models import Plan, Product
from .services import plan_create, product_create


@admin.register(Product)
class ProductAdmin(ServiceAdmin):
    list_display = ("name", "code", "names", "created_at")
    search_fields = ("name", "code")
    fields = ("code", "name", "names")

    def create(self, request, data, actor):
        return product_create(actor=actor, code=data["code"], name=data["name"], names=data.get("names") or {})


POLICY_FIELDS = (
    "max_assigned_for_online_cancel", "cancel_window_hours", "proration_unit", "credit_settlement", "grace_days", "disabled_days",
)


@admin.register(Plan)
class PlanAdmin(ServiceAdmin):
    list_display = ("name", "code", "product", "currency", "unit_amount", "interval", "trial_days", "max_assigned_for_online_cancel", "is_active")
    list_filter = ("interval", "currency", "is_active")
    search_fields = ("name", "code")
    fields = ("product", "code", "name", "currency", "unit_amount", "interval", "trial_days", *POLICY_FIELDS)

    def create(self, request, data, actor):
        return plan_create(
            actor=actor,
            product_id=data["product"].pk,
            code=data["code"],
            name=data["name"],
            currency=data["currency"],
            unit_amount=data["unit_amount"],
            interval=data["interval"],
            trial_days=data["trial_days"],
            policy={f: data[f] for f in POLICY_FIELDS if f in data},
        )
