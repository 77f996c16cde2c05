from django.urls import path

from . import views

app_name = "tenants"

urlpatterns = [
    path("users/", views.users, name="users"),
    path("users/add/", views.user_add, name="user_add"),
    path("users/deleted/", views.users_deleted, name="users_deleted"),
    path("users/export.csv", views.users_export, name="users_export"),
    path("users/import/", views.users_import, name="users_import"),
    path("users/<str:user_id>/", views.user_detail, name="user_detail"),
    path("users/<str:user_id>/remove/", views.user_remove, name="user_remove"),
    path("users/<str:user_id>/edit/", views.user_edit, name="user_edit"),
    path("users/<str:user_id>/restore/", views.user_restore, name="user_restore"),
    path("billing/payment-methods/", views.payment_methods, name="payment_methods"),
    path("billing/payment-methods/add/", views.payment_method_add, name="payment_method_add"),
    path("billing/payment-methods/<str:pm_id>/remove/", views.payment_method_remove, name="payment_method_remove"),
    path("billing/payment-methods/<str:pm_id>/default/", views.payment_method_default, name="payment_method_default"),
]
