"""Friend requests, friendships and blocks over HTTP (PROTOCOL.md, "Friends,
blocking, directory"): the commands. Each goes through the relationship
gateway, which checks the Relationship's rules against the read model and
answers 202 once the command is on the log (or at once when it would
change nothing); the ``friend`` pushes follow."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from read_api.bodies import Accepted, OtherUser
from read_api.operations import Operation
from read_api.requests import answer, body_of, path_id, services, session_of


async def request_friend(request: Request) -> Response:
    session = await session_of(request)
    body: OtherUser = await body_of(request, OtherUser)
    await services(request).relationships.request(session.user_id, body.user_id)
    return answer(Accepted, Accepted(), 202)


async def accept_request(request: Request) -> Response:
    session = await session_of(request)
    other_id = path_id(request, "user_id")
    await services(request).relationships.accept(session.user_id, other_id)
    return answer(Accepted, Accepted(), 202)


async def drop_request(request: Request) -> Response:
    """Declines an incoming request, or cancels an outgoing one."""
    session = await session_of(request)
    other_id = path_id(request, "user_id")
    await services(request).relationships.drop_request(session.user_id, other_id)
    return answer(Accepted, Accepted(), 202)


async def remove_friend(request: Request) -> Response:
    session = await session_of(request)
    other_id = path_id(request, "user_id")
    await services(request).relationships.remove(session.user_id, other_id)
    return answer(Accepted, Accepted(), 202)


async def block(request: Request) -> Response:
    session = await session_of(request)
    body: OtherUser = await body_of(request, OtherUser)
    await services(request).relationships.block(session.user_id, body.user_id)
    return answer(Accepted, Accepted(), 202)


async def unblock(request: Request) -> Response:
    session = await session_of(request)
    other_id = path_id(request, "user_id")
    await services(request).relationships.unblock(session.user_id, other_id)
    return answer(Accepted, Accepted(), 202)


operations = [
    Operation(
        "POST",
        "/v1/friends/requests",
        request_friend,
        "Ask a user to be friends (accepts at once if they had asked the caller)",
        {202: Accepted},
        (404, 409, 429, 503),
        body=OtherUser,
    ),
    Operation(
        "POST",
        "/v1/friends/requests/{user_id}/accept",
        accept_request,
        "Accept an incoming friend request",
        {202: Accepted},
        (404, 422, 503),  # 422: oneself
    ),
    Operation(
        "DELETE",
        "/v1/friends/requests/{user_id}",
        drop_request,
        "Decline an incoming friend request, or cancel an outgoing one",
        {202: Accepted},
        (404, 422, 503),  # 422: oneself
    ),
    Operation(
        "DELETE",
        "/v1/friends/{user_id}",
        remove_friend,
        "Stop being friends (both sides)",
        {202: Accepted},
        (404, 422, 503),  # 422: oneself
    ),
    Operation(
        "POST",
        "/v1/blocks",
        block,
        "Block a user",
        {202: Accepted},
        (404, 503),
        body=OtherUser,
    ),
    Operation(
        "DELETE",
        "/v1/blocks/{user_id}",
        unblock,
        "Lift a block",
        {202: Accepted},
        (404, 422, 503),  # 422: oneself
    ),
]
