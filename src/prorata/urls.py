from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from prorata.api import api
from prorata.subscriptions.views import stripe_webhook

urlpatterns = [
    path("api/v1/", api.urls),
    path("stripe/webhook", stripe_webhook, name="stripe_webhook"),
    path("backoffice/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("prorata.web.urls")),
    # Admin-center and support-console pages of each domain (their views.py / urls.py).
    path("", include("prorata.tenants.urls")),
    path("", include("prorata.licenses.urls")),
    path("", include("prorata.subscriptions.urls")),
    path("", include("prorata.billing.urls")),
    path("", include("prorata.notifications.urls")),
    path("", include("prorata.support.urls")),
    path("", include("prorata.console.urls")),
]

if getattr(settings, "PRORATA_BENCH_BASELINE", False):
    # The benchmark's floor (bench/api_load.py): never routed in production.
    from prorata.platform.baseline import bare

    urlpatterns.append(path("bench/bare", bare))

handler400 = "prorata.web.errors.bad_request"
handler403 = "prorata.web.errors.forbidden"
handler404 = "prorata.web.errors.not_found"
handler500 = "prorata.web.errors.server_error"
