from django.contrib import admin
from django.urls import include, path

from prorata.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("backoffice/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("prorata.web.urls")),
]
