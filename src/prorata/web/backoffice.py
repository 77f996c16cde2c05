"""The back office (Django admin) for operators. Every change goes through a service.

`ServiceAdmin` turns the admin's "add" (and, where a model allows it, "change") into a call of
the domain's service with the operator as actor, so that validation, audit rows and side effects
are exactly those of the API. A refusal comes back as a translated message on the same form and
nothing is written. Everything else is read-only: the admin never edits a row directly.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from prorata.core.errors import ProrataError

from .actors import actor_for
from .errors import error_message
from .forms import BackOfficeSignInForm

admin.site.site_header = _("Prorata back office")
# The back office's sign-in is throttled by address like the admin center's (web.throttle).
admin.site.login_form = BackOfficeSignInForm
admin.site.site_title = _("Prorata back office")
admin.site.index_title = _("Catalog, tenants, keys and test clocks")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services only: the back office shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAdmin(ReadOnlyAdmin):
    """Add (and optionally change) through `create` / `update`, never through `obj.save()`."""

    allow_change = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Without change permission Django still shows the row, read-only.
        return self.allow_change and obj is not None and bool(request.user.is_staff)

    def create(self, request: HttpRequest, data: dict[str, Any], actor: Any) -> Any:
        raise NotImplementedError

    def update(self, request: HttpRequest, obj: Any, data: dict[str, Any], actor: Any) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = actor_for(request.user)
        request._service_refused = False  # type: ignore[attr-defined]
        try:
            saved = self.update(request, obj, form.cleaned_data, actor) if change else self.create(request, form.cleaned_data, actor)
        except ProrataError as exc:
            request._service_refused = True  # type: ignore[attr-defined]
            messages.error(request, error_message(exc))
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if getattr(request, "_service_refused", False):
            return None
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if getattr(request, "_service_refused", False):
            return None
        return super().log_change(request, obj, message)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        if getattr(request, "_service_refused", False):
            return HttpResponseRedirect(request.get_full_path())
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if getattr(request, "_service_refused", False):
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)
