"""Structured logs: one JSON object a line, with the request id, tenant and actor of the request
(or the task) the line belongs to; secrets, card numbers and password-reset links never written.

The standard library's logging with a JSON formatter (no extra dependency): `RequestContext`
middleware puts the request in a context variable, `ContextFilter` adds its id, tenant and actor
to every record made while it runs, `Redact` scrubs each line before it is written.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("prorata_request", default=None)
_task: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("prorata_task", default=None)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

# What must never reach a log, whatever code wrote the line.
_PATTERNS = [
    # Card numbers: 13 to 19 digits, with or without spaces or dashes.
    (re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), "[card]"),
    # API keys, webhook secrets, bearer tokens, session and CSRF values.
    (re.compile(r"\b(?:prk|sk|pk|rk|whsec)_[A-Za-z0-9_\-]{6,}"), "[secret]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]{6,}"), r"\1[secret]"),
    (re.compile(r"(?i)\b(password|passwd|secret|token|cvc|sessionid|csrftoken)(\"?\s*[:=]\s*\"?)[^\s\",;&]+"), r"\1\2[redacted]"),
    # Password-reset links: /password-reset/<uid>/<token>/ (and Django's /reset/ form).
    (re.compile(r"(/(?:password-reset|reset)/)[A-Za-z0-9_\-]+/[A-Za-z0-9_\-]+/?"), r"\1[redacted]/"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def set_task_context(*, task_id: str, name: str) -> contextvars.Token:
    return _task.set({"task_id": task_id, "task": name})


def reset_task_context(token: contextvars.Token) -> None:
    _task.reset(token)


def _request_fields(request: HttpRequest) -> dict[str, Any]:
    fields: dict[str, Any] = {"request_id": getattr(request, "request_id", None),
                              "method": request.method, "path": request.path}
    actor = getattr(request, "actor", None)
    if actor is None:
        cached = getattr(request, "prorata_api_key", None)
        key = cached[1] if cached else None
        if key is not None:
            fields["tenant_id"] = key.tenant_id
            fields["actor"] = f"api_key:{key.pk}"
    else:
        fields["tenant_id"] = getattr(actor, "tenant_id", None)
        fields["actor"] = getattr(actor, "ref", None)
    return fields


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx/5xx after the middleware has returned, with the request on the record.
        request = getattr(record, "request", None)
        if not isinstance(request, HttpRequest):
            request = _request.get()
        if request is not None:
            for name, value in _request_fields(request).items():
                if value is not None and not hasattr(record, name):
                    setattr(record, name, value)
        task = _task.get()
        if task is not None:
            for name, value in task.items():
                setattr(record, name, value)
            if not hasattr(record, "actor"):
                record.actor = "system"
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the context, any `extra`, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name in _STANDARD or name.startswith("_") or name == "request":
                continue
            entry[name] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """Plain lines for a developer's terminal, redacted the same way."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RequestContext:
    """Gives each request an id (a well-formed `X-Request-ID` from the proxy, or a new one), puts
    it on the response, and makes the request the context of every log line written meanwhile."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex  # type: ignore[attr-defined]
        token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


def _task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # Each worker loop runs one task at a time on its own thread: the context is the thread's.
    set_task_context(task_id=str(task_result.id), name=getattr(task_result.task, "name", ""))


def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    _task.set(None)


def connect_task_signals() -> None:
    from django_tasks.signals import task_finished, task_started

    task_started.connect(_task_started, dispatch_uid="prorata-log-task-started")
    task_finished.connect(_task_finished, dispatch_uid="prorata-log-task-finished")
