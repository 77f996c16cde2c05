from django.contrib import admin

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
    list_display = ("number", "tenant", "kind", "issued_at", "currency", "total", "amount_paid", "status")
    list_filter = ("status", "kind", "currency")
    search_fields = ("number", "tenant__name")
    inlines = [InvoiceLineInline]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ("number", "tenant", "reason", "amount", "currency", "status", "settles_on", "applied_amount", "refunded_amount")
    list_filter = ("status", "reason")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "invoice", "attempt", "amount", "currency", "status", "failure_code")
    list_filter = ("status",)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "tenant", "credit_note", "amount", "currency", "status", "created_at")
