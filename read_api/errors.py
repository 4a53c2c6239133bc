"""Error answers: ``{"error": {"code", "message"}}`` with the protocol's statuses."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from commands.limits import RateLimited
from domain.errors import DomainError

STATUS_BY_CODE = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "rate_limited": 429,
    "unavailable": 503,
}


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE.get(code, 400)


def domain_error(error: DomainError) -> ApiError:
    """A refused command: an invalid field is 422, the rest by its code."""
    status = 422 if error.code == "bad_request" else None
    return ApiError(error.code, str(error), status)


def error_response(code: str, message: str, status: int) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


async def handle_api_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ApiError):
        raise exc
    return error_response(exc.code, exc.message, exc.status)


async def handle_rate_limited(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RateLimited):
        raise exc
    response = error_response("rate_limited", str(exc), 429)
    response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return response


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    code = {404: "not_found", 405: "bad_request"}.get(status, "bad_request")
    return error_response(code, str(getattr(exc, "detail", "error")), status)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    return error_response("unavailable", "the server could not answer", 503)
