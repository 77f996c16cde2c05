from django.contrib import admin

from prorata.web.backoffice import ReadOnlyAdmin

from .models import License


@admin.register(License)
class LicenseAdmin(ReadOnlyAdmin):
    list_display = ("subscription", "user", "tenant", "assigned_at")
    search_fields = ("user__email", "subscription__id")
