"""Friends, requests, blocks and the user directory over HTTP (PROTOCOL.md,
"Friends, blocking, directory"): the reads, from the friends projection's
read models (friends' presence from the presence view)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from domain.presence import OFFLINE
from domain.rules import is_storable_text
from projections.friends_ports import DEFAULT_SEARCH, MAX_SEARCH, MIN_PREFIX
from read_api.bodies import BlockList, FriendList, FriendRequests, Suggestions, UserList
from read_api.errors import ApiError
from read_api.operations import Operation, Query
from read_api.requests import answer, query_int, services, session_of

SearchLimit = Annotated[int, msgspec.Meta(ge=1, le=MAX_SEARCH)]
MAX_PREFIX = 32
Prefix = Annotated[str, msgspec.Meta(min_length=MIN_PREFIX, max_length=MAX_PREFIX)]


async def list_requests(request: Request) -> Response:
    session = await session_of(request)
    incoming, outgoing = await services(request).friends.requests(session.user_id)
    return answer(FriendRequests, {"incoming": incoming, "outgoing": outgoing})


async def list_friends(request: Request) -> Response:
    """The seed's getFriends: with presence, most recent chat first."""
    session = await session_of(request)
    api = services(request)
    friends = await api.friends.friends(session.user_id)
    states = await api.presence.presence_of_many([friend["user_id"] for friend in friends])
    listed: list[dict[str, Any]] = []
    for friend in friends:
        state = states.get(friend["user_id"])
        status = state.status if state else OFFLINE
        listed.append({**friend, "status": status, "last_seen": state.last_seen if state else None})
    return answer(FriendList, {"friends": listed})


async def list_blocks(request: Request) -> Response:
    session = await session_of(request)
    return answer(BlockList, {"blocks": await services(request).friends.blocks(session.user_id)})


async def search_users(request: Request) -> Response:
    """Handles starting with ``q`` (2 to 32 characters, case ignored)."""
    session = await session_of(request)
    prefix = request.query_params.get("q", "").strip().lower()
    if not is_storable_text(prefix) or not MIN_PREFIX <= len(prefix) <= MAX_PREFIX:
        raise ApiError("bad_request", f"q has {MIN_PREFIX} to {MAX_PREFIX} characters")
    limit = query_int(request, "limit", 1, MAX_SEARCH) or DEFAULT_SEARCH
    users: list[dict[str, Any]] = []
    if _is_handle_text(prefix):
        users = await services(request).friends.search(session.user_id, prefix, limit)
    return answer(UserList, {"users": users})


def _is_handle_text(prefix: str) -> bool:
    """Only handle characters can start a handle: anything else finds nobody."""
    return all(c.isascii() and (c.isalnum() or c in "_.-") for c in prefix)


async def suggest_friends(request: Request) -> Response:
    session = await session_of(request)
    limit = query_int(request, "limit", 1, MAX_SEARCH) or DEFAULT_SEARCH
    users = await services(request).friends.suggestions(session.user_id, limit)
    return answer(Suggestions, {"users": users})


operations = [
    Operation(
        "GET",
        "/v1/friends/requests",
        list_requests,
        "Pending friend requests, incoming and outgoing, newest first",
        {200: FriendRequests},
    ),
    Operation(
        "GET",
        "/v1/friends",
        list_friends,
        "Friends with presence, most recent chat first (never chatted: last, by handle)",
        {200: FriendList},
    ),
    Operation(
        "GET",
        "/v1/blocks",
        list_blocks,
        "Users the caller blocked, newest first",
        {200: BlockList},
    ),
    Operation(
        "GET",
        "/v1/users/search",
        search_users,
        "Users whose handle starts with q (never users who blocked the caller)",
        {200: UserList},
        (400,),
        query=(Query("q", Prefix, required=True), Query("limit", SearchLimit)),
    ),
    Operation(
        "GET",
        "/v1/friends/suggestions",
        suggest_friends,
        "Friends of friends, most mutual friends first",
        {200: Suggestions},
        (400,),
        query=(Query("limit", SearchLimit),),
    ),
]
