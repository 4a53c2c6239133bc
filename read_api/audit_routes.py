"""Auditing over HTTP (PROTOCOL.md, "Auditing"): every event of any
conversation in log order, with its hash-chain link, and the chain
verified by the server. Only current auditors may call them; anyone else
gets the 404 of a path that does not exist. Every read is recorded on the
log (an AuditRead event) before it is served."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from domain.hashchain import ChainChecker, StoredLink, chain_payload, chain_type
from projections.audit_ports import AUDIT_PAGE, MAX_AUDIT_PAGE, AuditEntry
from read_api.bodies import AuditEvents, AuditVerification
from read_api.errors import ApiError
from read_api.operations import Operation, Query
from read_api.requests import answer, path_id, query_int, services, session_of

MAX_POSITION = 2**63 - 1
AuditPageSize = Annotated[int, msgspec.Meta(ge=1, le=MAX_AUDIT_PAGE)]
Position = Annotated[int, msgspec.Meta(ge=-1)]
NOT_FOUND = ApiError("not_found", "Not Found")
"""Exactly what a path that does not exist answers."""


async def _auditor(request: Request) -> tuple[str, str]:
    session = await session_of(request)
    if not await services(request).audit.is_auditor(session.user_id):
        raise NOT_FOUND
    return session.user_id, path_id(request, "conversation_id")


def _event(entry: AuditEntry) -> dict[str, Any]:
    return {
        "position": entry.position,
        "type": entry.type,
        "version": entry.version,
        "schema_version": entry.schema_version,
        "at": entry.at.isoformat(),
        "data": dict(entry.data),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


async def audit_events(request: Request) -> Response:
    user_id, conversation_id = await _auditor(request)
    after = query_int(request, "after", -1, MAX_POSITION)
    limit = query_int(request, "limit", 1, MAX_AUDIT_PAGE) or AUDIT_PAGE
    api = services(request)
    await api.audit.record_read(user_id, conversation_id, "events", after, limit)
    start = -1 if after is None else after
    found = list(await api.audit_trail.events(conversation_id, start, limit + 1))
    page = found[:limit]
    more = len(found) > limit
    body = {"events": [_event(e) for e in page], "next": page[-1].position if more else None}
    return answer(AuditEvents, body)


def _link(entry: AuditEntry) -> StoredLink:
    payload = chain_payload(
        chain_type(entry.type), entry.conversation_id, entry.version, entry.data
    )
    return StoredLink(
        entry.position, entry.version, payload, entry.prev_hash or "", entry.hash or ""
    )


async def verify_chain(request: Request) -> Response:
    user_id, conversation_id = await _auditor(request)
    api = services(request)
    await api.audit.record_read(user_id, conversation_id, "verify")
    checker = ChainChecker()
    after = -1
    while page := await api.audit_trail.events(conversation_id, after, MAX_AUDIT_PAGE):
        for entry in page:
            if entry.hash is not None:
                checker.add(_link(entry))
        after = page[-1].position
    problem = checker.problem
    first_bad = None
    if problem is not None:
        first_bad = {
            "position": problem.position,
            "problem": problem.problem,
            "detail": problem.detail,
        }
    body = {"intact": problem is None, "events": checker.links, "first_bad": first_bad}
    return answer(AuditVerification, body)


operations = [
    Operation(
        "GET",
        "/v1/audit/conversations/{conversation_id}/events",
        audit_events,
        "Auditors: every event of a conversation in log order, with its hash-chain link",
        {200: AuditEvents},
        (400, 404, 503),
        query=(Query("after", Position), Query("limit", AuditPageSize)),
    ),
    Operation(
        "GET",
        "/v1/audit/conversations/{conversation_id}/verify",
        verify_chain,
        "Auditors: the conversation's hash chain verified by the server",
        {200: AuditVerification},
        (404, 503),
    ),
]
