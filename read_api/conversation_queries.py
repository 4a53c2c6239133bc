"""Reading conversations over HTTP (PROTOCOL.md, "Conversations"): the
inbox, one conversation, its history and its receipts; and a contact's
presence. Every conversation route answers 404, never 403, to a non-member."""

from __future__ import annotations

from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from domain.presence import OFFLINE
from domain.rules import MAX_SEQ
from projections.queries import DEFAULT_PAGE, MAX_PAGE
from projections.wire import Conversation
from read_api.bodies import Inbox, MessagePage, Presence, Receipts, Seq
from read_api.errors import ApiError
from read_api.operations import Operation, Query
from read_api.requests import answer, path_id, query_int, reader_session, services

PageSize = Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE)]


async def list_conversations(request: Request) -> Response:
    session = await reader_session(request)
    limit = query_int(request, "limit", 1, MAX_PAGE) or MAX_PAGE
    conversations = await services(request).queries.inbox(session.user_id, limit)
    return answer(Inbox, {"conversations": conversations})


async def get_conversation(request: Request) -> Response:
    session = await reader_session(request)
    found = await services(request).queries.conversation(
        path_id(request, "conversation_id"), session.user_id
    )
    if found is None:
        raise ApiError("not_found", "no such conversation")
    return answer(Conversation, found)


async def _member_conversation(request: Request) -> tuple[str, str]:
    session = await reader_session(request)
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
    return answer(MessagePage, {"messages": list(page.messages), "last_seq": page.last_seq})


async def list_receipts(request: Request) -> Response:
    conversation_id, _ = await _member_conversation(request)
    members = await services(request).queries.receipts(conversation_id)
    return answer(Receipts, {"members": members})


async def user_presence(request: Request) -> Response:
    """404 unless the caller shares a conversation with that user, and for a
    user in a block with the caller (either way), as for a stranger."""
    session = await reader_session(request)
    user_id = path_id(request, "user_id")
    api = services(request)
    if user_id != session.user_id and (
        not await api.contacts.shares_conversation(session.user_id, user_id)
        or await api.blocks.blocked_between(session.user_id, user_id)
    ):
        raise ApiError("not_found", "no such user")
    state = await api.presence.presence(user_id)
    status = state.status if state else OFFLINE
    last_seen = state.last_seen if state else None
    return answer(Presence, {"user_id": user_id, "status": status, "last_seen": last_seen})


operations = [
    Operation(
        "GET",
        "/v1/conversations",
        list_conversations,
        "The inbox, most recent activity first",
        {200: Inbox},
        (400, 429),
        query=(Query("limit", PageSize),),
    ),
    Operation(
        "GET",
        "/v1/conversations/{conversation_id}",
        get_conversation,
        "One conversation",
        {200: Conversation},
        (404, 429),
    ),
    Operation(
        "GET",
        "/v1/conversations/{conversation_id}/messages",
        list_messages,
        "History, ascending seq",
        {200: MessagePage},
        (400, 404, 429),
        query=(Query("after_seq", Seq), Query("before_seq", Seq), Query("limit", PageSize)),
    ),
    Operation(
        "GET",
        "/v1/conversations/{conversation_id}/receipts",
        list_receipts,
        "Every member's delivered and read watermarks",
        {200: Receipts},
        (404, 429),
    ),
    Operation(
        "GET",
        "/v1/users/{user_id}/presence",
        user_presence,
        "A contact's presence (404 unless the caller shares a conversation with them)",
        {200: Presence},
        (404, 429),
    ),
]
