"""The OpenAPI 3.1 document of the HTTP API, served at ``/openapi.json``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

_ERROR = {"$ref": "#/components/schemas/Error"}
_STATUS_TEXT = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    422: "bad_request (invalid field)",
    429: "rate_limited (see the Retry-After header)",
    503: "unavailable",
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(
    summary: str,
    ok: dict[int, dict[str, Any]],
    errors: tuple[int, ...],
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
    auth: bool = True,
) -> dict[str, Any]:
    responses: dict[str, Any] = {str(status): answer for status, answer in ok.items()}
    for status in sorted({*errors, 401}) if auth else errors:
        responses[str(status)] = _json(_ERROR, _STATUS_TEXT[status])
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    if params:
        operation["parameters"] = params
    if not auth:
        operation["security"] = []
    return operation


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


_STR = {"type": "string"}
_SEQ = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_CID = {"name": "conversation_id", "in": "path", "required": True, "schema": _STR}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


_PAGE = [
    _CID,
    _query("after_seq", _SEQ),
    _query("before_seq", _SEQ),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
]

PATHS: dict[str, Any] = {
    "/v1/users": {
        "post": _op(
            "Register a user",
            {201: _json(_obj(["user_id"], user_id=_STR), "created")},
            (400, 409, 413, 422, 429),
            _obj(
                ["handle", "password"],
                handle={"type": "string", "pattern": "^[a-z0-9_.-]{3,32}$"},
                password={"type": "string", "minLength": 8, "maxLength": 256},
                display_name={"type": "string", "maxLength": 100},
            ),
            auth=False,
        ),
        "get": _op(
            "Find a user by handle",
            {
                200: _json(
                    _obj(
                        ["user_id", "handle", "display_name"],
                        user_id=_STR,
                        handle=_STR,
                        display_name=_STR,
                    ),
                    "found",
                )
            },
            (404,),
            params=[{"name": "handle", "in": "query", "required": True, "schema": _STR}],
        ),
    },
    "/v1/users/{user_id}/presence": {
        "get": _op(
            "A contact's presence (404 unless the caller shares a conversation with them)",
            {
                200: _json(
                    _obj(
                        ["user_id", "status", "last_seen"],
                        user_id=_STR,
                        status={"enum": ["online", "offline"]},
                        last_seen={"type": ["string", "null"]},
                    ),
                    "presence",
                )
            },
            (404,),
            params=[{"name": "user_id", "in": "path", "required": True, "schema": _STR}],
        ),
    },
    "/v1/sessions": {
        "post": _op(
            "Log in",
            {
                201: _json(
                    _obj(
                        ["token", "user_id", "expires_at"],
                        token=_STR,
                        user_id=_STR,
                        session_id=_STR,
                        expires_at=_STR,
                    ),
                    "logged in",
                )
            },
            (400, 401, 413, 422, 429),
            _obj(["handle", "password"], handle=_STR, password=_STR),
            auth=False,
        ),
    },
    "/v1/sessions/current": {
        "delete": _op(
            "Log out (closes this session's sockets)", {204: {"description": "logged out"}}, ()
        ),
    },
    "/v1/conversations": {
        "post": _op(
            "Start a direct conversation or create a group",
            {
                201: _json(_obj(["conversation_id"], conversation_id=_STR), "visible"),
                202: _json(_obj(["conversation_id"], conversation_id=_STR), "accepted"),
            },
            (400, 404, 413, 422, 503),
            _obj(
                ["kind"],
                kind={"enum": ["direct", "group"]},
                peer_id=_STR,
                title=_STR,
                member_ids={"type": "array", "items": _STR},
            ),
        ),
        "get": _op(
            "The inbox, most recent activity first",
            {200: _json({"$ref": "#/components/schemas/Inbox"}, "inbox")},
            (400,),
            params=[_query("limit", {"type": "integer", "minimum": 1, "maximum": 200})],
        ),
    },
    "/v1/conversations/{conversation_id}": {
        "get": _op(
            "One conversation",
            {200: _json({"$ref": "#/components/schemas/Conversation"}, "found")},
            (404,),
            params=[_CID],
        ),
        "patch": _op(
            "Rename a group (admins only)",
            {202: _json(_obj(["status"], status=_STR), "accepted")},
            (400, 403, 404, 413, 422, 503),
            _obj(["title"], title={"type": "string", "minLength": 1, "maxLength": 200}),
            params=[_CID],
        ),
    },
    "/v1/conversations/{conversation_id}/receipts": {
        "get": _op(
            "Every member's delivered and read watermarks",
            {
                200: _json(
                    _obj(
                        ["members"],
                        members={
                            "type": "array",
                            "items": _obj(
                                ["user_id", "delivered_seq", "read_seq"],
                                user_id=_STR,
                                delivered_seq=_SEQ,
                                read_seq=_SEQ,
                            ),
                        },
                    ),
                    "receipts",
                )
            },
            (404,),
            params=[_CID],
        ),
    },
    "/v1/conversations/{conversation_id}/members": {
        "post": _op(
            "Add members to a group (admins only)",
            {202: _json(_obj(["status"], status=_STR), "accepted")},
            (400, 403, 404, 413, 422, 503),
            _obj(
                ["user_ids"],
                user_ids={"type": "array", "items": _STR, "minItems": 1, "maxItems": 1000},
            ),
            params=[_CID],
        ),
    },
    "/v1/conversations/{conversation_id}/members/{user_id}": {
        "delete": _op(
            "Remove a member (admins), or leave (the member itself)",
            {202: _json(_obj(["status"], status=_STR), "accepted")},
            (403, 404, 503),
            params=[_CID, {"name": "user_id", "in": "path", "required": True, "schema": _STR}],
        ),
    },
    "/v1/conversations/{conversation_id}/messages": {
        "get": _op(
            "History, ascending seq",
            {
                200: _json(
                    _obj(
                        ["messages", "last_seq"],
                        last_seq=_SEQ,
                        messages={
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Message"},
                        },
                    ),
                    "page",
                )
            },
            (400, 404),
            params=_PAGE,
        ),
        "post": _op(
            "Send without a socket",
            {202: _json(_obj(["message_id"], message_id=_STR), "accepted")},
            (400, 404, 413, 422, 429, 503),
            _obj(["client_msg_id", "body"], client_msg_id=_STR, body=_STR),
            params=[_CID],
        ),
    },
}

MESSAGE = _obj(
    ["conversation_id", "seq", "message_id", "sender_id", "body", "sent_at", "client_msg_id"],
    conversation_id=_STR,
    seq=_SEQ,
    message_id=_STR,
    sender_id=_STR,
    body=_STR,
    sent_at=_STR,
    client_msg_id=_STR,
    status={"enum": ["sent", "delivered", "read"], "description": "only on the caller's own"},
    recipients={"type": "integer", "minimum": 0, "description": "only on the caller's own"},
    delivered_count={"type": "integer", "minimum": 0, "description": "only on the caller's own"},
    read_count={"type": "integer", "minimum": 0, "description": "only on the caller's own"},
)
CONVERSATION = _obj(
    [
        "conversation_id",
        "kind",
        "title",
        "member_ids",
        "last_seq",
        "unread_count",
        "last_message",
        "updated_at",
    ],
    conversation_id=_STR,
    kind={"enum": ["direct", "group"]},
    title={"type": ["string", "null"]},
    member_ids={"type": "array", "items": _STR},
    last_seq=_SEQ,
    unread_count={"type": "integer", "minimum": 0},
    last_message={"oneOf": [{"$ref": "#/components/schemas/Message"}, {"type": "null"}]},
    updated_at=_STR,
)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "chat backend", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:8000"}],
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": _obj(["error"], error=_obj(["code", "message"], code=_STR, message=_STR)),
            "Message": MESSAGE,
            "Conversation": CONVERSATION,
            "Inbox": _obj(
                ["conversations"],
                conversations={
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Conversation"},
                },
            ),
        },
    },
}


async def openapi_endpoint(request: Request) -> Response:
    return JSONResponse(DOCUMENT)
