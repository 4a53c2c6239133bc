"""Accounts and sessions (PROTOCOL.md, "Accounts and sessions")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from commands.accounts import AccountError, BadCredentials, HandleTaken
from domain.rules import is_storable_text
from read_api.errors import ApiError
from read_api.requests import (
    bearer_token,
    client_address,
    json_object,
    optional_string_field,
    services,
    session_of,
    string_field,
)


async def register(request: Request) -> Response:
    body = await json_object(request)
    handle = string_field(body, "handle")
    password = string_field(body, "password")
    display_name = optional_string_field(body, "display_name")
    try:
        api = services(request)
        user = await api.accounts.register(
            handle, password, display_name, api.clock(), client_address(request)
        )
    except HandleTaken as error:
        raise ApiError("conflict", str(error)) from None
    except AccountError as error:
        raise ApiError("bad_request", str(error), 422) from None
    return JSONResponse({"user_id": user.user_id}, 201)


async def login(request: Request) -> Response:
    body = await json_object(request)
    handle, password = body.get("handle"), body.get("password")
    if not isinstance(handle, str) or not isinstance(password, str):
        raise ApiError("bad_request", "handle and password must be strings", 422)
    api = services(request)
    try:
        token, session = await api.accounts.login(
            handle, password, api.clock(), client_address(request)
        )
    except BadCredentials as error:
        raise ApiError("unauthorized", str(error)) from None
    return JSONResponse(
        {
            "token": token,
            "user_id": session.user_id,
            "session_id": session.session_id,
            "expires_at": session.expires_at.isoformat(),
        },
        201,
    )


async def logout(request: Request) -> Response:
    await session_of(request)
    api = services(request)
    token = bearer_token(request.headers.get("authorization")) or ""
    session = await api.accounts.logout(token)
    if session is not None:
        await api.on_logout(session)
    return Response(status_code=204)


async def find_user(request: Request) -> Response:
    await session_of(request)
    handle = request.query_params.get("handle", "")
    if not is_storable_text(handle):
        raise ApiError("not_found", "no such user")
    user = await services(request).accounts.user_by_handle(handle)
    if user is None:
        raise ApiError("not_found", "no such user")
    return JSONResponse(
        {"user_id": user.user_id, "handle": user.handle, "display_name": user.display_name}
    )


routes = [
    Route("/v1/users", register, methods=["POST"]),
    Route("/v1/users", find_user, methods=["GET"]),
    Route("/v1/sessions", login, methods=["POST"]),
    Route("/v1/sessions/current", logout, methods=["DELETE"]),
]
