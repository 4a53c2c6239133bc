"""Error answers: ``{"error": {"code", "message"}}`` with the protocol's
statuses. Every refusal, from the boundary (ApiError), the domain, the
accounts, the log or the limits, becomes an answer here, through the app's
exception handlers: routes raise, they never build error answers."""

from __future__ import annotations

import math
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from commands.accounts import AccountError
from commands.kept_ids import UNKNOWN_ID_ANSWER, SendIdUnknown
from commands.limits import RateLimited
from commands.media_types import MediaRefused
from commands.ports import LogUnavailable
from domain.errors import DomainError
from projections.wire import error_body

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
INVALID_FIELD = 422
"""A request that is well-formed JSON but whose values are refused."""


class ApiError(Exception):
    """A refusal at the boundary (a malformed request, a missing token, ...)."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE.get(code, 400)


def error_response(code: str, message: str, status: int) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(code, message), status, headers=headers)


def refused_status(code: str) -> int:
    """A command or account refused by its rules: an invalid value is 422."""
    return INVALID_FIELD if code == "bad_request" else STATUS_BY_CODE.get(code, 400)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.code, exc.message, exc.status)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError | AccountError)
    return error_response(exc.code, str(exc), refused_status(exc.code))


async def _media_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MediaRefused)
    return error_response(exc.code, exc.message, exc.status)


async def _log_unavailable(request: Request, exc: Exception) -> Response:
    return error_response("unavailable", "the log did not acknowledge; try again", 503)


async def _send_id_unknown(request: Request, exc: Exception) -> Response:
    return error_response("unavailable", UNKNOWN_ID_ANSWER, 503)


async def _rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    response = error_response("rate_limited", str(exc), 429)
    response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return response


async def _http_exception(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    code = {404: "not_found", 405: "bad_request"}.get(status, "bad_request")
    return error_response(code, str(getattr(exc, "detail", "error")), status)


async def _unexpected(request: Request, exc: Exception) -> Response:
    return error_response("unavailable", "the server could not answer", 503)


def exception_handlers() -> dict[Any, Any]:
    return {
        ApiError: _api_error,
        DomainError: _refused,
        AccountError: _refused,
        MediaRefused: _media_refused,
        LogUnavailable: _log_unavailable,
        SendIdUnknown: _send_id_unknown,
        RateLimited: _rate_limited,
        HTTPException: _http_exception,
        Exception: _unexpected,
    }
