"""Schemas shared by every API router: the error body, and the response maps for error statuses.

Each operation lists its error statuses with `errors(400, 404, ...)` so that the OpenAPI
document describes every response the operation can give.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class ErrorBody(Schema):
    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(Schema):
    """`{"error": {"code", "message", "details"}}`: a stable code and a translated message."""

    error: ErrorBody


class StrictIn(Schema):
    """Base of request bodies: an unknown field is a validation_error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Response entries for error statuses; 401 is always possible on an authenticated route."""
    return {status: ErrorOut for status in sorted({401, *statuses})}
