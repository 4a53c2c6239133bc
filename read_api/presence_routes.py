"""``GET /v1/users/{id}/presence``: only for users who share a conversation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from domain.presence import OFFLINE
from read_api.errors import ApiError
from read_api.requests import path_id, services, session_of


async def user_presence(request: Request) -> Response:
    session = await session_of(request)
    user_id = path_id(request, "user_id")
    api = services(request)
    if user_id != session.user_id and not await api.contacts.shares_conversation(
        session.user_id, user_id
    ):
        raise ApiError("not_found", "no such user")
    state = await api.presence.presence(user_id)
    status = state.status if state else OFFLINE
    last_seen = state.last_seen if state else None
    return JSONResponse({"user_id": user_id, "status": status, "last_seen": last_seen})


routes: list[BaseRoute] = [
    Route("/v1/users/{user_id}/presence", user_presence, methods=["GET"]),
]
