"""Per request: who is acting, their tenant, language and time zone; refusals never become 500s."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers

from prorata.core.errors import ProrataError

from .actors import actor_for

log = logging.getLogger(__name__)


def django_language(language: str | None) -> str:
    """Prorata's language codes ("en", "zh-Hans") as Django's ("en", "zh-hans")."""
    return "zh-hans" if (language or "").lower().startswith("zh") else "en"


class AdminCenterMiddleware:
    """Placed after authentication and locale: the user's own language wins, then the tenant's,
    then what LocaleMiddleware found (the language cookie or the browser's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = None  # type: ignore[attr-defined]
        request.tenant = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.actor = actor_for(user)  # type: ignore[attr-defined]
            tenant = user.tenant if user.tenant_id else None
            request.tenant = tenant  # type: ignore[attr-defined]
            language = user.language or (tenant.language if tenant else "")
            if language:
                translation.activate(django_language(language))
                request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
            if tenant is not None:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(tenant.timezone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        if request.actor is not None and not request.path.startswith("/static/"):  # type: ignore[attr-defined]
            # Bills, cards and users are nobody else's business: never kept by a shared cache
            # or shown again from the browser's history after signing out.
            add_never_cache_headers(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ProrataError):
            from .errors import error_page

            return error_page(request, exception)
        return None
