from django.urls import path

from . import change_views, invoice_views, views

app_name = "subscriptions"

urlpatterns = [
    path("billing/products/", views.subscription_list, name="list"),
    path("billing/bills/invoices/<str:invoice_id>/confirm-payment/", views.confirm_payment, name="confirm_payment"),
    path("billing/products/<str:subscription_id>/", views.subscription_detail, name="detail"),
    path("billing/products/<str:subscription_id>/cancel/", views.subscription_cancel, name="cancel"),
    path("billing/products/<str:subscription_id>/cancelled/", views.subscription_cancelled, name="cancelled"),
    path("billing/products/<str:subscription_id>/recurring-billing/", views.recurring_billing, name="recurring_billing"),
    path("billing/products/<str:subscription_id>/buy-licenses/", views.buy_licenses, name="buy_licenses"),
    path("billing/products/<str:subscription_id>/remove-licenses/", views.remove_licenses, name="remove_licenses"),
    path("billing/products/<str:subscription_id>/reactivate/", views.reactivate, name="reactivate"),
    path("billing/products/<str:subscription_id>/change-plan/", change_views.change_plan, name="change_plan"),
    path("billing/products/<str:subscription_id>/change-plan/withdraw/", change_views.withdraw_plan_change,
         name="withdraw_plan_change"),
    path("reports/cancellations/", change_views.cancellations_report, name="cancellations_report"),
    path("operator/invoices/<str:invoice_id>/", invoice_views.operator_invoice, name="operator_invoice"),
    path("billing/products/<str:subscription_id>/cancel/offer/", change_views.answer_offer, name="answer_offer"),
]
