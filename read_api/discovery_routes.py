"""``GET /v1/edge`` (PROTOCOL.md "Discovery"): the live edge that serves the
caller, by rendezvous hashing on the user id over the edge registry."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from commands.discovery import NoLiveEdge
from read_api.bodies import EdgeAnswer
from read_api.errors import ApiError
from read_api.operations import Operation
from read_api.requests import answer, services, session_of


async def edge_of_caller(request: Request) -> Response:
    session = await session_of(request)
    discovery = services(request).discovery
    if discovery is None:
        raise ApiError("unavailable", "discovery is not configured")
    try:
        edge = await discovery.edge_for(session.user_id)
    except NoLiveEdge:
        raise ApiError("unavailable", "no edge is live; retry") from None
    return answer(EdgeAnswer, {"ws_url": edge.ws_url, "edge_id": edge.edge_id})


operations = [
    Operation(
        "GET",
        "/v1/edge",
        edge_of_caller,
        "The WebSocket edge that serves the caller (the same answer from every edge)",
        {200: EdgeAnswer},
        (503,),
    ),
]
