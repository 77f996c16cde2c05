"""A view that does nothing: the floor `bench/api_load.py` compares the API's speed with.

Routed only when `PRORATA_BENCH_BASELINE=1`, never in production: it goes through the same
server and middleware as every page, and answers constant JSON without touching the database.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

_BODY = b'{"ok": true}'


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_BODY, content_type="application/json")
