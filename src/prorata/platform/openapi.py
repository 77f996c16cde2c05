"""What the platform layer adds to every operation, written into the OpenAPI document.

The guard in front of the API can answer any operation 429 (rate limited, with Retry-After);
every POST takes an optional Idempotency-Key and may answer 409 (key reused or in use) or 400
(malformed key); and any operation with parameters or a body may answer 400 validation_error.
Documenting them here keeps the contract true for every route, including ones added later.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from .idempotency import HEADER, MAX_KEY_LENGTH

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
METHODS = ("get", "post", "put", "patch", "delete")


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
    if headers:
        response["headers"] = headers
    return response


def add_platform_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """The document with the platform's parameters and responses on every operation."""
    schema = deepcopy(schema)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        from prorata.schemas import ErrorOut

        generated = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(generated.pop("$defs", {}))
        components["ErrorOut"] = generated
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/v1/") or path.endswith(("/openapi.json", "/docs")):
            continue
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = _string_keys(operation.setdefault("responses", {}))
            operation["responses"] = responses
            retry_after = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
            responses.setdefault("429", _error("Too many requests for this API key (`rate_limited`)."))
            responses["429"]["headers"] = {**retry_after, **responses["429"].get("headers", {})}
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault("400", _error("The request is not valid (`validation_error`, ...)."))
            if method == "post":
                operation.setdefault("parameters", []).append({
                    "in": "header", "name": HEADER, "required": False,
                    "description": "Send the same key again to get the first response back instead of acting twice (24 hours).",
                    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[ -~]+$"},
                })
                responses.setdefault("400", _error("The request is not valid."))
                responses.setdefault("409", _error(
                    "`idempotency_key_reused` or `idempotency_key_in_use`, or the operation's own conflicts."
                ))
    return schema


def _string_keys(responses: dict[Any, Any]) -> dict[str, Any]:
    """The responses keyed by status text. django-ninja keys them by int; a second entry under
    the same status as text would be serialised as a duplicated key ("429" twice), which no
    OpenAPI reader accepts. The route's own entry wins; the platform's headers are kept."""
    merged: dict[str, Any] = {}
    for status, response in responses.items():
        key = str(status)
        if key in merged:
            headers = {**response.get("headers", {}), **merged[key].get("headers", {})}
            if headers:
                merged[key]["headers"] = headers
            continue
        merged[key] = response
    return merged


def document_platform(api: Any) -> None:
    """Make `api.get_openapi_schema` include the platform's parameters and responses."""
    original = api.get_openapi_schema

    def get_openapi_schema(*args: Any, **kwargs: Any) -> Any:
        return add_platform_responses(original(*args, **kwargs))

    api.get_openapi_schema = get_openapi_schema
