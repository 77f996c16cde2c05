"""The HTTP API v1: one NinjaAPI, the routers of every domain, auth, and the error shape.

Errors are `{"error": {"code", "message", "details"}}`, the message in the request's
Accept-Language (en, zh-Hans), else the tenant's language, else English.
"""

from __future__ import annotations

import logging

from django.db import DataError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from prorata.core.actor import Actor
from prorata.core.errors import ProrataError
from prorata.i18n.messages import message_for
from prorata.platform.locks import is_lock_conflict

log = logging.getLogger(__name__)


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        from prorata.platform.keys import api_key_for

        # Looked up once per request: the rate limiter in front of the API already did it.
        key = api_key_for(request, token)
        if key is None:
            return None
        actor = Actor(
            kind="api_key",
            id=key.id,
            label=key.name or key.prefix,
            tenant_id=key.tenant_id,
            is_operator=key.kind == "operator",
            role="operator" if key.kind == "operator" else "global_admin",
        )
        request.actor = actor  # type: ignore[attr-defined]
        if key.tenant_id and not _explicit_language(request):
            translation.activate(_django_language(key.tenant.language))
        return actor


def _explicit_language(request: HttpRequest) -> bool:
    return bool(request.META.get("HTTP_ACCEPT_LANGUAGE"))


def _django_language(language: str) -> str:
    return "zh-hans" if language.lower().startswith("zh") else "en"


class Utf8JSONRenderer(JSONRenderer):
    """UTF-8 JSON: Chinese messages read as Chinese, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="Prorata API",
    version="1",
    description="Subscriptions, per-seat licenses and cancellation rules. Money in minor units; times RFC 3339 UTC.",
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _document_platform() -> None:
    # Rate limits and idempotency keys apply to every operation: the document says so.
    from prorata.platform.openapi import document_platform

    document_platform(api)


_document_platform()


def error_response(request: HttpRequest, status: int, code: str, params: dict | None = None, details: dict | None = None, headers: dict | None = None) -> HttpResponse:
    body = {"error": {"code": code, "message": message_for(code, params), "details": details or {}}}
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ProrataError)
def _prorata_error(request: HttpRequest, exc: ProrataError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.params, exc.details)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        errors.append({"field": ".".join(loc), "type": err.get("type", ""), "message": str(err.get("msg", ""))})
    if any(e["type"] == "json_invalid" for e in errors) or _bad_json(request):
        return error_response(request, 400, "invalid_json")
    fields = ", ".join(sorted({e["field"] or "body" for e in errors}))
    return error_response(request, 400, "validation_error", {"fields": fields}, {"errors": errors})


def _bad_json(request: HttpRequest) -> bool:
    import json

    if request.method not in ("POST", "PUT", "PATCH") or not request.body:
        return False
    try:
        json.loads(request.body)
    except (ValueError, RecursionError):
        return True
    return False


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated", 403: "forbidden"}.get(exc.status_code, "invalid_request")
    # django-ninja reports a body that does not parse as JSON with a bare HttpError(400).
    if exc.status_code == 400 and _bad_json(request):
        code = "invalid_json"
    return error_response(request, exc.status_code, code)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # A value the database cannot hold (too long, out of range) that a schema let through.
    # The service's transaction rolled back with the raise, so nothing changed.
    log.warning("database refused a value in %s %s: %s", request.method, request.path, exc)
    return error_response(request, 400, "invalid_request")


@api.exception_handler(OperationalError)
def _operational_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    # PostgreSQL aborted the request's transaction for a lock conflict with another one (rolled
    # back: nothing of it was kept). Transactions lock in one order (platform.locks), so this is
    # not expected; the client may simply try again.
    if is_lock_conflict(exc):
        log.warning("lock conflict in %s %s: %s", request.method, request.path, exc)
        return error_response(request, 409, "concurrent_change")
    return _unexpected(request, exc)


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # A date at the edge of the calendar with an offset that moves it past year 1 or 9999.
    return error_response(request, 400, "datetime_out_of_range")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Nothing was committed: every service is one transaction that rolled back with the raise.
    log.exception("unexpected error in %s %s", request.method, request.path)
    return error_response(request, 500, "internal_error")


def actor_of(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _register_routers() -> None:
    from importlib import import_module

    for domain in ("catalog", "tenants", "subscriptions", "licenses", "billing", "support", "audit", "webhooks", "notifications"):
        try:
            module = import_module(f"prorata.{domain}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"prorata.{domain}.api":
                raise
            continue
        api.add_router("/", module.router)


_register_routers()
