from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("billing/bills/", views.bills, name="bills"),
    path("billing/account/", views.account, name="account"),
    path("billing/bills/invoices/<str:invoice_id>/", views.invoice_detail, name="invoice"),
    path("billing/bills/invoices/<str:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]
