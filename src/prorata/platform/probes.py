"""`/healthz`, `/readyz` and `/metrics`, answered before the rest of the middleware.

The probes come from a load balancer or an orchestrator over plain HTTP on the node's own
address: they are answered before the HTTPS redirect and the host check, and before anything
that would touch the database (sessions, the signed-in user), so that `/readyz` can say the
database is down instead of failing with it. `/metrics` asks for
`Authorization: Bearer <PRORATA_METRICS_TOKEN>` when that setting is set.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .health import readiness


def _json(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def healthz() -> HttpResponse:
    return _json(200, {"status": "ok"})


def readyz() -> HttpResponse:
    checks = readiness()
    ok = all(c.ok for c in checks)
    return _json(200 if ok else 503, {
        "status": "ok" if ok else "unavailable",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    })


def metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "PRORATA_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return _json(401, {"status": "unauthenticated"})
    from .metrics import render

    try:
        body, content_type = render()
    except Exception:
        return _json(503, {"status": "unavailable"})
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if request.method in ("GET", "HEAD"):
            if path == "/healthz":
                return healthz()
            if path == "/readyz":
                return readyz()
            if path == "/metrics":
                return metrics(request)
        return self.get_response(request)
