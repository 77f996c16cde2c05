"""How a refusal looks on a page: a stable code, its translated message, the right status."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from prorata.core.errors import ProrataError
from prorata.i18n.messages import message_for


def error_message(exc: ProrataError) -> str:
    return message_for(exc.code, exc.params)


def error_page(request: HttpRequest, exc: ProrataError) -> HttpResponse:
    template = "404.html" if exc.status == 404 else "web/error.html"
    context = {"code": exc.code, "message": error_message(exc), "status": exc.status}
    return render(request, template, context, status=exc.status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
