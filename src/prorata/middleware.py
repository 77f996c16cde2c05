"""Input no part of Prorata can store: refused at the door, before any view runs.

PostgreSQL text cannot hold a NUL character, so an id like `sub_a%00b` would otherwise fail
deep inside a query. A path with NUL names nothing (404); a query string with NUL is not a valid
request (400). Bodies are left to the field validation that can name the field; what slips
through is refused by the API's DataError handler. The error body is the API's own shape under
/api/, Django's plain response elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound


def _has_nul(raw: str) -> bool:
    return "\x00" in raw or b"\x00" in unquote_to_bytes(raw)


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        status = 0
        if "\x00" in request.path or _has_nul(request.META.get("PATH_INFO", "")):
            status = 404
        elif _has_nul(request.META.get("QUERY_STRING", "")):
            status = 400
        if not status:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            from prorata.api import error_response

            return error_response(request, status, "not_found" if status == 404 else "invalid_request")
        return HttpResponseNotFound() if status == 404 else HttpResponseBadRequest()


# Pages load scripts, styles and images from Prorata itself only, and are never framed. The API
# docs (Swagger UI) and the back office (Django admin) set inline styles from their scripts.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
CSP_INLINE_STYLES = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _with_stripe(policy: str) -> str:
    """With Stripe as the processor, the card pages load Stripe.js and its frames, and Stripe.js
    talks to Stripe's API: those origins (or the test server's) are allowed too."""
    from django.conf import settings

    if getattr(settings, "PRORATA_GATEWAY", "sandbox") != "stripe":
        return policy
    js = _origin(getattr(settings, "STRIPE_JS_URL", ""))
    api = _origin(getattr(settings, "STRIPE_API_BASE", "") or "https://api.stripe.com")
    frames = " ".join(o for o in (js, "https://hooks.stripe.com") if o)
    policy = policy.replace("script-src 'self'", f"script-src 'self' {js}".rstrip())
    policy = policy.replace("connect-src 'self'", f"connect-src 'self' {api} {js}".rstrip())
    return policy + f"; frame-src {frames}"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            inline = request.path.startswith(("/api/v1/docs", "/backoffice/"))
            response["Content-Security-Policy"] = _with_stripe(CSP_INLINE_STYLES if inline else CSP)
        return response
