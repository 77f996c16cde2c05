from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from prorata.web.backoffice import ReadOnlyAdmin

from .models import CreditNote, Invoice, InvoiceLine, Payment, Refund


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ("kind", "description", "quantity", "unit_amount", "amount")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Read-only here; a bank transfer, a void or a write-off is done on the operators' invoice
    page (linked), which reviews the amounts before anything moves."""

    list_display = ("number", "tenant", "kind", "issued_at", "currency", "total", "amount_paid", "status", "due_at",
                    "disputed_at")
    list_filter = ("status", "kind", "currency")
    search_fields = ("number", "tenant__name")
    inlines = [InvoiceLineInline]
    readonly_fields = ("operator_actions",)

    @admin.display(description=_("Payments and closing"))
    def operator_actions(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("subscriptions:operator_invoice", args=[obj.pk]),
                           _("Record a bank transfer, void or write off"))


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ("number", "tenant", "reason", "amount", "currency", "status", "settles_on", "applied_amount", "refunded_amount")
    list_filter = ("status", "reason")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "invoice", "kind", "attempt", "amount", "currency", "status", "failure_code", "reference")
    list_filter = ("status", "kind")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "credit_note", "amount", "currency", "status", "created_at")
