from django.urls import path

from . import views

app_name = "tenants"

urlpatterns = [
    path("users/", views.users, name="users"),
    path("users/add/", views.user_add, name="user_add"),
    path("users/<str:user_id>/", views.user_detail, name="user_detail"),
    path("users/<str:user_id>/remove/", views.user_remove, name="user_remove"),
    path("billing/payment-methods/", views.payment_methods, name="payment_methods"),
    path("billing/payment-methods/add/", views.payment_method_add, name="payment_method_add"),
    path("billing/payment-methods/<str:pm_id>/remove/", views.payment_method_remove, name="payment_method_remove"),
    path("billing/payment-methods/<str:pm_id>/default/", views.payment_method_default, name="payment_method_default"),
]
