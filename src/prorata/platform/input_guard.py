"""Bodies no part of the API can take, refused with a code before any view parses them.

- Larger than `PRORATA_MAX_BODY_BYTES` (default 1 MiB; no API body needs more): 413.
- JSON nested deeper than `MAX_DEPTH`: the standard library's parser recurses and would fail
  with RecursionError (a 500) on 100 000 `[`; a linear scan refuses it first.
- Text with a lone surrogate (`"\\ud800"`): valid JSON, but no database can store it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

MAX_DEPTH = 32
API_PREFIX = "/api/"


def max_body() -> int:
    return int(getattr(settings, "PRORATA_MAX_BODY_BYTES", 1024 * 1024))


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (one pass, no recursion)."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def refusal(request: HttpRequest) -> tuple[int, str, dict] | None:
    """(status, code, params) of a body to refuse, or None."""
    limit = max_body()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return 413, "request_too_large", {"max": limit}
    try:
        body = request.body
    except RequestDataTooBig:
        return 413, "request_too_large", {"max": limit}
    if len(body) > limit:
        return 413, "request_too_large", {"max": limit}
    if not body:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return 400, "invalid_json", {}
    if too_deep(text):
        return 400, "json_too_deep", {"max": MAX_DEPTH}
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return None  # the API's own parser refuses it (invalid_json) or the form parser takes it
    if has_lone_surrogate(parsed):
        return 400, "invalid_text", {}
    return None


class ApiInputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX) and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            refused = refusal(request)
            if refused is not None:
                from prorata.api import error_response

                status, code, params = refused
                return error_response(request, status, code, params, params)
        return self.get_response(request)
