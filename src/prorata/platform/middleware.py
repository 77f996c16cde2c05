"""Rate limits and idempotency keys around /api/v1/, before any API code runs.

Requests without a valid API key (none, or a wrong one) are counted by client address, behind
the configured proxy the address it saw (platform.clients): past the anonymous limit they are
refused 429, so that guessing keys or flooding the API without one is slowed; under it the API
answers them (401 where a key is needed).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from prorata.core.clock import system_clock
from prorata.core.errors import ProrataError

from .clients import client_ip
from .idempotency import HEADER, run_idempotent
from .keys import api_key_for
from .ratelimit import address_key, anonymous_limit_per_window, rate_limit_hit

API_PREFIX = "/api/v1/"
PUBLIC_DOCUMENTS = ("/api/v1/openapi.json", "/api/v1/docs")


def _now():  # wall-clock time: limits and replay windows are about real time, not test clocks
    return system_clock.now()


class ApiGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        api_key = api_key_for(request)
        if api_key is None:
            if request.path.startswith(PUBLIC_DOCUMENTS):
                # The OpenAPI document and its viewer read nothing from the database.
                return self.get_response(request)
            verdict = rate_limit_hit(api_key_id=address_key(client_ip(request)), now=_now(),
                                     limits=anonymous_limit_per_window())
            if not verdict.allowed:
                from prorata.api import error_response

                return error_response(
                    request, 429, "rate_limited", {"retry_after": verdict.retry_after},
                    {"retry_after": verdict.retry_after, "limit": verdict.limit},
                    {"Retry-After": str(verdict.retry_after)},
                )
            return self.get_response(request)
        verdict = rate_limit_hit(api_key_id=api_key.pk, now=_now())
        if not verdict.allowed:
            return self._error(
                request, api_key, 429, "rate_limited", {"retry_after": verdict.retry_after},
                {"retry_after": verdict.retry_after, "limit": verdict.limit},
                {"Retry-After": str(verdict.retry_after)},
            )
        idempotency_key = request.headers.get(HEADER)
        if request.method != "POST" or idempotency_key is None:
            return self.get_response(request)
        try:
            return run_idempotent(request, api_key, idempotency_key, _now, self.get_response)
        except ProrataError as exc:
            return self._error(request, api_key, exc.status, exc.code, exc.params, exc.details)

    def _error(self, request: HttpRequest, api_key, status: int, code: str, params: dict,
               details: dict, headers: dict | None = None) -> HttpResponse:
        from prorata.api import error_response

        language = None
        if not request.META.get("HTTP_ACCEPT_LANGUAGE") and api_key.tenant_id:
            language = "zh-hans" if api_key.tenant.language.lower().startswith("zh") else "en"
        with translation.override(language) if language else _Noop():
            return error_response(request, status, code, params, details, headers)


class _Noop:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
