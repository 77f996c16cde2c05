from django.urls import path

from . import views

app_name = "licenses"

urlpatterns = [
    path("licenses/", views.bulk, name="bulk"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
]
