"""Conversations and messages over HTTP (PROTOCOL.md, "Conversations")."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from commands.ports import LogUnavailable
from domain.errors import DomainError
from projections.queries import DEFAULT_PAGE, MAX_PAGE
from read_api import membership_routes
from read_api.errors import ApiError, domain_error
from read_api.requests import json_object, path_id, query_int, services, session_of, string_field

MAX_SEQ = 2**31 - 1


async def create_conversation(request: Request) -> Response:
    session = await session_of(request)
    body = await json_object(request)
    api = services(request)
    kind = body.get("kind")
    try:
        if kind == "direct":
            peer_id = string_field(body, "peer_id")
            if await api.accounts.user(peer_id) is None:
                raise ApiError("not_found", "no such user")
            conversation_id = await api.gateway.start_direct(session.user_id, peer_id)
        elif kind == "group":
            title = string_field(body, "title")
            member_ids = await _group_members(request, body, session.user_id)
            conversation_id = await api.gateway.create_group(session.user_id, title, member_ids)
        else:
            raise ApiError("bad_request", 'kind must be "direct" or "group"', 422)
    except DomainError as error:
        raise domain_error(error) from None
    except LogUnavailable:
        raise ApiError("unavailable", "the log did not acknowledge; try again") from None
    visible = await _wait_until_visible(request, conversation_id, session.user_id)
    return JSONResponse({"conversation_id": conversation_id}, 201 if visible else 202)


async def _group_members(request: Request, body: dict[str, Any], creator: str) -> list[str]:
    api = services(request)
    member_ids = body.get("member_ids", [])
    if not isinstance(member_ids, list) or not all(isinstance(m, str) for m in member_ids):
        raise ApiError("bad_request", "member_ids must be a list of user ids", 422)
    unique = [m for m in dict.fromkeys(member_ids) if m != creator]
    if len(unique) + 1 > api.max_group_size:
        raise ApiError("bad_request", f"a group has at most {api.max_group_size} members", 422)
    for member_id in unique:
        if await api.accounts.user(member_id) is None:
            raise ApiError("not_found", f"no such user: {member_id[:64]}")
    return unique


async def _wait_until_visible(request: Request, conversation_id: str, user_id: str) -> bool:
    api = services(request)
    deadline = time.monotonic() + api.visibility_timeout
    delay = 0.01
    while True:
        if await api.queries.is_member(conversation_id, user_id):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


async def list_conversations(request: Request) -> Response:
    session = await session_of(request)
    limit = query_int(request, "limit", 1, MAX_PAGE) or MAX_PAGE
    conversations = await services(request).queries.inbox(session.user_id, limit)
    return JSONResponse({"conversations": conversations})


async def get_conversation(request: Request) -> Response:
    session = await session_of(request)
    found = await services(request).queries.conversation(
        path_id(request, "conversation_id"), session.user_id
    )
    if found is None:
        raise ApiError("not_found", "no such conversation")
    return JSONResponse(found)


async def _member_conversation(request: Request) -> tuple[str, str]:
    session = await session_of(request)
    conversation_id = path_id(request, "conversation_id")
    if not await services(request).queries.is_member(conversation_id, session.user_id):
        raise ApiError("not_found", "no such conversation")
    return conversation_id, session.user_id


async def list_messages(request: Request) -> Response:
    conversation_id, user_id = await _member_conversation(request)
    after = query_int(request, "after_seq", 0, MAX_SEQ)
    before = query_int(request, "before_seq", 0, MAX_SEQ)
    if after is not None and before is not None:
        raise ApiError("bad_request", "use after_seq or before_seq, not both")
    limit = query_int(request, "limit", 1, MAX_PAGE) or DEFAULT_PAGE
    page = await services(request).queries.messages(
        conversation_id, after_seq=after, before_seq=before, limit=limit, viewer=user_id
    )
    return JSONResponse({"messages": list(page.messages), "last_seq": page.last_seq})


async def list_receipts(request: Request) -> Response:
    conversation_id, _ = await _member_conversation(request)
    return JSONResponse({"members": await services(request).queries.receipts(conversation_id)})


async def post_message(request: Request) -> Response:
    conversation_id, user_id = await _member_conversation(request)
    body: dict[str, Any] = await json_object(request)
    client_msg_id = string_field(body, "client_msg_id")
    text = string_field(body, "body")
    try:
        message_id = await services(request).gateway.send(
            user_id, conversation_id, client_msg_id, text
        )
    except DomainError as error:
        raise domain_error(error) from None
    except LogUnavailable:
        raise ApiError("unavailable", "the log did not acknowledge; try again") from None
    return JSONResponse({"message_id": str(message_id)}, 202)


routes: list[BaseRoute] = [
    Route("/v1/conversations", create_conversation, methods=["POST"]),
    Route("/v1/conversations", list_conversations, methods=["GET"]),
    Route("/v1/conversations/{conversation_id}", get_conversation, methods=["GET"]),
    Route("/v1/conversations/{conversation_id}/messages", list_messages, methods=["GET"]),
    Route("/v1/conversations/{conversation_id}/messages", post_message, methods=["POST"]),
    Route("/v1/conversations/{conversation_id}/receipts", list_receipts, methods=["GET"]),
]

routes += membership_routes.routes
