from django.contrib import admin

from prorata.web.backoffice import ReadOnlyAdmin

from .models import StatusChange, Subscription


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "event", "actor")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "plan", "status", "quantity", "recurring_billing", "current_period_end", "canceled_at")
    list_filter = ("status", "recurring_billing", "cancel_assisted")
    search_fields = ("id", "tenant__name")
    inlines = [StatusChangeInline]
