from django.contrib import admin

from prorata.web.backoffice import ReadOnlyAdmin

from .models import CallbackRequest


@admin.register(CallbackRequest)
class CallbackRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "subscription", "status", "outcome", "claimed_by", "created_at")
    list_filter = ("status", "outcome")
