"""The OpenAPI 3.1 document of the HTTP API, served at ``/openapi.json``,
made from the operations and the shapes of read_api.bodies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from read_api.bodies import Error
from read_api.operations import NO_BODY, Operation

_REF = "#/components/schemas/{name}"
_STATUS_TEXT = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    412: "precondition failed (Tus-Resumable is not 1.0.0)",
    413: "too_large",
    415: "bad_request (a media type not accepted, or not what Content-Type says)",
    416: "range not satisfiable (Content-Range: bytes */size)",
    422: "bad_request (invalid field)",
    429: "rate_limited (see the Retry-After header)",
    503: "unavailable",
}


def openapi_document(operations: Sequence[Operation]) -> dict[str, Any]:
    shapes = _shapes(operations)
    schemas, components = msgspec.json.schema_components(shapes, ref_template=_REF)
    schema_of = dict(zip(shapes, schemas, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            operation, schema_of
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": "chat backend", "version": "1"},
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": components,
        },
    }


def _shapes(operations: Sequence[Operation]) -> list[Any]:
    found: list[Any] = [Error]
    for operation in operations:
        candidates = [operation.body, *operation.answers.values()]
        candidates += [query.shape for query in operation.query]
        found += [shape for shape in candidates if shape is not None and shape not in found]
    return found


def _operation(operation: Operation, schema_of: dict[Any, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, shape in operation.answers.items():
        responses[str(status)] = (
            {"description": "no content"} if shape is NO_BODY else _json(schema_of[shape], "ok")
        )
    for status in operation.error_statuses:
        responses[str(status)] = _json(schema_of[Error], _STATUS_TEXT[status])
    document: dict[str, Any] = {"summary": operation.summary, "responses": responses}
    if operation.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema_of[operation.body]}},
        }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in operation.path_params
    ] + [
        {"name": q.name, "in": "query", "required": q.required, "schema": schema_of[q.shape]}
        for q in operation.query
    ]
    if parameters:
        document["parameters"] = parameters
    if not operation.auth:
        document["security"] = []
    return document


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_endpoint(document: dict[str, Any]) -> Any:
    async def serve(request: Request) -> Response:
        return JSONResponse(document)

    return serve
