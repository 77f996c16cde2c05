from django.urls import path

from . import views

app_name = "console"

urlpatterns = [
    path("console/", views.index, name="index"),
    path("console/products/", views.products, name="products"),
    path("console/products/new/", views.product_new, name="product_new"),
    path("console/products/<str:product_id>/", views.product_edit, name="product_edit"),
    path("console/products/<str:product_id>/plans/new/", views.plan_new, name="plan_new"),
    path("console/plans/<str:plan_id>/", views.plan_edit, name="plan_edit"),
    path("console/plans/<str:plan_id>/archive/", views.plan_archive, name="plan_archive"),
    path("console/tenants/", views.tenants, name="tenants"),
    path("console/tenants/new/", views.tenant_new, name="tenant_new"),
    path("console/tenants/<str:tenant_id>/", views.tenant_detail, name="tenant"),
    path("console/tenants/<str:tenant_id>/edit/", views.tenant_edit, name="tenant_edit"),
    path("console/tenants/<str:tenant_id>/credit/", views.tenant_credit, name="tenant_credit"),
    path("console/tenants/<str:tenant_id>/clock/", views.tenant_clock_advance, name="tenant_clock"),
    path("console/tenants/<str:tenant_id>/users/<str:user_id>/invite/", views.invitation_resend, name="invitation_resend"),
]
