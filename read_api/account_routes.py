"""Accounts and sessions (PROTOCOL.md, "Accounts and sessions")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from domain.rules import is_storable_text
from read_api.bodies import Login, Registration, SessionCreated, UserCreated, UserFound
from read_api.errors import ApiError
from read_api.operations import NO_BODY, Operation, Query
from read_api.requests import (
    answer,
    bearer_token,
    body_of,
    client_address,
    path_id,
    services,
    session_of,
)


async def register(request: Request) -> Response:
    body: Registration = await body_of(request, Registration)
    api = services(request)
    user = await api.accounts.register(
        body.handle, body.password, body.display_name, api.clock(), client_address(request)
    )
    return answer(UserCreated, UserCreated(user_id=user.user_id), 201)


async def login(request: Request) -> Response:
    body: Login = await body_of(request, Login)
    api = services(request)
    token, session = await api.accounts.login(
        body.handle, body.password, api.clock(), client_address(request)
    )
    created = SessionCreated(
        token=token,
        user_id=session.user_id,
        session_id=session.session_id,
        expires_at=session.expires_at.isoformat(),
    )
    return answer(SessionCreated, created, 201)


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
    found = UserFound(user_id=user.user_id, handle=user.handle, display_name=user.display_name)
    return answer(UserFound, found)


async def user_profile(request: Request) -> Response:
    """A user's handle and display name, for oneself and one's contacts
    (anyone who shares a conversation); 404 for anyone else, as presence."""
    session = await session_of(request)
    user_id = path_id(request, "user_id")
    api = services(request)
    if user_id != session.user_id and not await api.contacts.shares_conversation(
        session.user_id, user_id
    ):
        raise ApiError("not_found", "no such user")
    user = await api.accounts.user(user_id)
    if user is None:
        raise ApiError("not_found", "no such user")
    found = UserFound(user_id=user.user_id, handle=user.handle, display_name=user.display_name)
    return answer(UserFound, found)


operations = [
    Operation(
        "POST",
        "/v1/users",
        register,
        "Register a user",
        {201: UserCreated},
        (409, 429),
        body=Registration,
        auth=False,
    ),
    Operation(
        "GET",
        "/v1/users",
        find_user,
        "Find a user by handle",
        {200: UserFound},
        (404,),
        query=(Query("handle", str, required=True),),
    ),
    Operation(
        "GET",
        "/v1/users/{user_id}",
        user_profile,
        "A user's handle and display name (oneself and contacts only, else 404)",
        {200: UserFound},
        (404,),
    ),
    Operation(
        "POST",
        "/v1/sessions",
        login,
        "Log in",
        {201: SessionCreated},
        (401, 429),
        body=Login,
        auth=False,
    ),
    Operation(
        "DELETE",
        "/v1/sessions/current",
        logout,
        "Log out (closes this session's sockets)",
        {204: NO_BODY},
    ),
]
