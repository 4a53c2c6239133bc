"""Group membership and title over HTTP: add, remove or leave, rename.

The edge answers 404 to non-members and 403 to members without the right,
from the read model; the processor decides again on the log (a change that
lost a race ends as a ``rejected`` push to its sender).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from commands.ports import LogUnavailable
from domain.errors import DomainError
from read_api.errors import ApiError, domain_error
from read_api.requests import json_object, path_id, services, session_of, string_field

MAX_ADDED_AT_ONCE = 1000


async def _group_as(request: Request, admin: bool) -> tuple[str, str, dict[str, Any]]:
    """The conversation id, the caller and the conversation, checked as
    member (and admin)."""
    session = await session_of(request)
    conversation_id = path_id(request, "conversation_id")
    found = await services(request).queries.conversation(conversation_id, session.user_id)
    if found is None:
        raise ApiError("not_found", "no such conversation")
    if found["kind"] != "group":
        raise ApiError("forbidden", "a direct conversation has no membership changes")
    roles = {m["user_id"]: m["role"] for m in found.get("members", [])}
    if admin and roles.get(session.user_id) != "admin":
        raise ApiError("forbidden", "only an admin of the group can do that")
    return conversation_id, session.user_id, found


async def _accepted(change: Awaitable[None]) -> Response:
    try:
        await change
    except DomainError as error:
        raise domain_error(error) from None
    except LogUnavailable:
        raise ApiError("unavailable", "the log did not acknowledge; try again") from None
    return JSONResponse({"status": "accepted"}, 202)


async def add_members(request: Request) -> Response:
    conversation_id, user_id, found = await _group_as(request, admin=True)
    body: dict[str, Any] = await json_object(request)
    user_ids = body.get("user_ids")
    if (
        not isinstance(user_ids, list)
        or not 0 < len(user_ids) <= MAX_ADDED_AT_ONCE
        or not all(isinstance(u, str) for u in user_ids)
    ):
        raise ApiError("bad_request", "user_ids must be a list of 1..1000 user ids", 422)
    api = services(request)
    new = set(user_ids) - set(found["member_ids"])
    if len(found["member_ids"]) + len(new) > api.max_group_size:
        raise ApiError("bad_request", f"a group has at most {api.max_group_size} members", 422)
    for added in dict.fromkeys(user_ids):
        if await api.accounts.user(added) is None:
            raise ApiError("not_found", f"no such user: {added[:64]}")
    return await _accepted(api.gateway.add_members(user_id, conversation_id, user_ids))


async def remove_member(request: Request) -> Response:
    member_id = path_id(request, "user_id")
    session = await session_of(request)
    leaving = member_id == session.user_id
    conversation_id, user_id, _ = await _group_as(request, admin=not leaving)
    gateway = services(request).gateway
    return await _accepted(gateway.remove_member(user_id, conversation_id, member_id))


async def rename(request: Request) -> Response:
    conversation_id, user_id, _ = await _group_as(request, admin=True)
    body = await json_object(request)
    title = string_field(body, "title")
    gateway = services(request).gateway
    return await _accepted(gateway.rename_group(user_id, conversation_id, title))


routes: list[BaseRoute] = [
    Route("/v1/conversations/{conversation_id}/members", add_members, methods=["POST"]),
    Route(
        "/v1/conversations/{conversation_id}/members/{user_id}", remove_member, methods=["DELETE"]
    ),
    Route("/v1/conversations/{conversation_id}", rename, methods=["PATCH"]),
]
