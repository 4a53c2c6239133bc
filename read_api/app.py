"""The HTTP API's routes and error handlers."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Route

from commands.limits import RateLimited
from read_api import account_routes, conversation_routes, presence_routes
from read_api.errors import (
    ApiError,
    handle_api_error,
    handle_http_exception,
    handle_rate_limited,
    handle_unexpected,
)
from read_api.openapi import openapi_endpoint


def api_routes() -> list[BaseRoute]:
    return [
        *account_routes.routes,
        *conversation_routes.routes,
        *presence_routes.routes,
        Route("/openapi.json", openapi_endpoint, methods=["GET"]),
    ]


def exception_handlers() -> dict[Any, Any]:
    return {
        ApiError: handle_api_error,
        RateLimited: handle_rate_limited,
        HTTPException: handle_http_exception,
        Exception: handle_unexpected,
    }
