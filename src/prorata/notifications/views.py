"""Billing › Billing notifications: who receives invoices and billing e-mails, and what was sent."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from prorata.web.access import actor_of, area, attempt, tenant_of

from . import selectors, services
from .forms import NotificationSettingsForm
from .render import kind_labels

RECENT = 20


@area("billing")
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    actor, tenant = actor_of(request), tenant_of(request)
    current = selectors.notification_settings_get(actor=actor, tenant_id=tenant.pk)
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            ok, _result = attempt(request, lambda: services.notification_settings_update(
                actor=actor, tenant_id=tenant.pk, global_admins=form.cleaned_data["global_admins"],
                billing_admins=form.cleaned_data["billing_admins"], extra_addresses=form.addresses(),
                muted_kinds=form.muted(), license_notices=form.cleaned_data["license_notices"],
            ))
            if ok:
                messages.success(request, _("Billing notification settings saved."))
                return redirect("notifications:settings")
    else:
        form = NotificationSettingsForm(initial=NotificationSettingsForm.initial_from(current))
    recent = list(selectors.notices_queryset(actor=actor, tenant_id=tenant.pk).order_by("-id")[:RECENT])
    labels = kind_labels()
    rows = [{"notice": n, "kind": labels.get(n.kind, n.kind)} for n in recent]
    return render(request, "notifications/settings.html", {"form": form, "recent": rows})
