"""Back office: every notice sent (or waiting, or given up), with its attempts; recipients per tenant."""

from django.contrib import admin

from .models import Notice, NoticeAttempt, NotificationSettings


class NoticeAttemptInline(admin.TabularInline):
    model = NoticeAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "attempted_at", "succeeded", "error", "duration_ms")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("id", "occurred_at", "tenant", "kind", "recipient", "language", "status", "attempts", "subject", "sent_at")
    list_filter = ("status", "kind", "language")
    search_fields = ("id", "recipient", "subject", "tenant__id", "tenant__name", "subscription_id")
    readonly_fields = [f.name for f in Notice._meta.fields]
    inlines = [NoticeAttemptInline]
    ordering = ("-id",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("tenant", "global_admins", "billing_admins", "extra_addresses", "muted_kinds", "license_notices")
    readonly_fields = ("updated_at",)
