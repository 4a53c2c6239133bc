"""Reading requests: the services, the bearer session, typed JSON bodies,
path ids and query integers; and encoding typed answers."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.accounts import Session
from commands.limits import require_token
from domain.rules import has_unstorable_text, is_storable_text
from projections.wire import decode_json
from read_api.errors import INVALID_FIELD, ApiError
from read_api.services import ApiServices

MAX_BODY_BYTES = 64 * 1024
MAX_ID_LENGTH = 200

_ENCODE_JSON = msgspec.json.Encoder()


def services(request: Request) -> ApiServices:
    found: ApiServices = request.state.api
    return found


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def session_of(request: Request) -> Session:
    api = services(request)
    token = bearer_token(request.headers.get("authorization"))
    session = await api.accounts.authenticate(token or "", api.clock())
    if session is None:
        raise ApiError("unauthorized", "a valid bearer token is needed")
    return session


async def reader_session(request: Request) -> Session:
    """The caller's session, once a token of its read bucket is taken (429
    with Retry-After when there is none)."""
    session = await session_of(request)
    api = services(request)
    if api.read_limit is not None:
        key = f"read:{session.user_id}"
        await require_token(api.read_limit.limiter, key, api.read_limit.bucket, api.clock())
    return session


async def body_of(request: Request, shape: Any) -> Any:
    """The JSON body as ``shape``: 400 for what is not a JSON object, 422 for
    values of the wrong type or strings that cannot be stored, 413 over the
    size limit."""
    try:
        body = decode_json(await bounded_body(request))
    except ValueError:
        raise ApiError("bad_request", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError("bad_request", "the body must be a JSON object")
    if has_unstorable_text(body):
        raise ApiError("bad_request", "strings cannot hold NUL or lone surrogates", INVALID_FIELD)
    try:
        typed = msgspec.convert(body, shape)
    except msgspec.ValidationError as error:
        raise ApiError("bad_request", str(error), INVALID_FIELD) from None
    return typed


async def bounded_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (never
    buffered whole first)."""
    too_large = ApiError("too_large", f"a request body has at most {MAX_BODY_BYTES} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def answer(shape: type[msgspec.Struct], content: Any, status: int = 200) -> Response:
    """An answer of a declared shape: ``content`` (a struct, or the dicts the
    read models return) is checked against it, so the answer cannot drift
    from /openapi.json."""
    typed = content if isinstance(content, shape) else msgspec.convert(content, shape)
    return Response(_ENCODE_JSON.encode(typed), status, media_type="application/json")


def path_id(request: Request, name: str) -> str:
    """An id from the path; one no conversation or user could have is 404."""
    value: str = request.path_params[name]
    if not value or len(value) > MAX_ID_LENGTH or not is_storable_text(value):
        raise ApiError("not_found", "no such " + name.removesuffix("_id").replace("_", " "))
    return value


def query_int(request: Request, name: str, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ApiError("bad_request", f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ApiError("bad_request", f"{name} must be {low}..{high}")
    return value
