"""``GET /v1/search?q=``: the caller's history, searched (projections.search)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import DomainError
from projections.search import (
    DEFAULT_SEARCH_PAGE,
    MAX_QUERY_CHARACTERS,
    MAX_SEARCH_PAGE,
    validated_query,
)
from read_api.bodies import SearchAnswer
from read_api.errors import ApiError
from read_api.operations import Operation, Query
from read_api.requests import answer, query_int, services, session_of

MAX_MESSAGE_ID = 2**63 - 1
SearchText = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_QUERY_CHARACTERS)]
SearchPageSize = Annotated[int, msgspec.Meta(ge=1, le=MAX_SEARCH_PAGE)]
Before = Annotated[str, msgspec.Meta(pattern="^[0-9]{1,19}$")]


async def search_messages(request: Request) -> Response:
    session = await session_of(request)
    search = services(request).search
    if search is None:
        raise ApiError("unavailable", "search is not configured on this edge")
    try:
        text = validated_query(request.query_params.get("q", ""))
    except DomainError as error:
        raise ApiError("bad_request", str(error)) from None
    before = query_int(request, "before", 1, MAX_MESSAGE_ID)
    limit = query_int(request, "limit", 1, MAX_SEARCH_PAGE) or DEFAULT_SEARCH_PAGE
    page = await search.search(session.user_id, text, before, limit)
    results = [{"message": hit.message, "highlight": hit.highlight} for hit in page.hits]
    return answer(SearchAnswer, {"results": results, "next": page.next})


operations = [
    Operation(
        "GET",
        "/v1/search",
        search_messages,
        "Messages of the caller's conversations holding every word of q, newest first "
        "(never deleted ones, nor conversations the caller is not in), matches marked",
        {200: SearchAnswer},
        (400, 503),
        query=(
            Query("q", SearchText, required=True),
            Query("before", Before),
            Query("limit", SearchPageSize),
        ),
    ),
]
