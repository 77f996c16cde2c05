from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("support/requests/", views.requests, name="requests"),
    path("support/requests/new/", views.request_new, name="request_new"),
    path("support/requests/<str:request_id>/", views.request_detail, name="request_detail"),
    path("support/requests/<str:request_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("support/console/<str:request_id>/unclaim/", views.unclaim, name="unclaim"),
    path("support/console/", views.queue, name="queue"),
    path("support/console/<str:request_id>/", views.console_detail, name="console_detail"),
    path("support/console/<str:request_id>/claim/", views.claim, name="claim"),
    path("support/console/<str:request_id>/resolve/", views.resolve, name="resolve"),
    path("support/console/<str:request_id>/cancel/", views.cancel_on_behalf, name="cancel_on_behalf"),
]
