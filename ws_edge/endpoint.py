"""``GET /v1/ws``: origin check, authentication, then the connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from commands.accounts import Session
from projections.wire import error_body
from ws_edge import close_codes
from ws_edge.client_frames import BadFrame, parse_auth
from ws_edge.connection import SocketConnection
from ws_edge.services import SocketServices

log = logging.getLogger(__name__)


def origin_allowed(origin: str | None, allowed: tuple[str, ...], host: str | None = None) -> bool:
    """No Origin (a non-browser client) is allowed; a browser's must be the
    page's own (the origin of the ``Host`` the socket was asked of: the page
    this edge serves) or listed."""
    return origin is None or origin in allowed or same_origin(origin, host)


def same_origin(origin: str, host: str | None) -> bool:
    """``http(s)://<host>`` where ``<host>`` is the request's ``Host`` header
    (a browser sets it to the host it connects to; a page on another site
    cannot change it). The scheme may be either: behind a TLS-terminating
    proxy the page is ``https`` while the edge sees plain ``ws``."""
    if not host:
        return False
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment:
        return False
    return parts.netloc.lower() == host.strip().lower()


async def websocket_endpoint(websocket: WebSocket) -> None:
    services: SocketServices = websocket.state.ws
    headers = websocket.headers
    if not origin_allowed(headers.get("origin"), services.allowed_origins, headers.get("host")):
        await _refuse_handshake(websocket)
        return
    await websocket.accept()
    try:
        authenticated = await _authenticate(websocket, services)
    except WebSocketDisconnect:
        return
    except Exception as error:  # the session store away: the client comes back later
        log.warning("socket authentication failed: %s", type(error).__name__)
        await _close(websocket, close_codes.TRY_AGAIN_LATER)
        return
    if authenticated is None:
        return
    session, token = authenticated

    async def session_alive() -> bool:
        return await services.accounts.authenticate(token, services.clock()) is not None

    await SocketConnection(websocket, services, session, session_alive).run()


async def _refuse_handshake(websocket: WebSocket) -> None:
    """HTTP 403 instead of the upgrade (cross-site WebSocket hijacking)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        body = error_body("forbidden", "origin not allowed")
        await websocket.send_denial_response(JSONResponse(body, status_code=403))
    else:
        await websocket.close(code=1008)  # before accept: servers answer HTTP 403


async def _authenticate(
    websocket: WebSocket, services: SocketServices
) -> tuple[Session, str] | None:
    """The session and its token (kept only in memory, to re-check the session)."""
    header = websocket.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        try:
            token = await asyncio.wait_for(
                _auth_frame_token(websocket), services.limits.auth_timeout
            )
        except TimeoutError:
            await _close(websocket, close_codes.AUTH_TIMEOUT)
            return None
    token = token.strip()
    session = await services.accounts.authenticate(token, services.clock())
    if session is None:
        await _close(websocket, close_codes.UNAUTHORIZED)
        return None
    return session, token


async def _auth_frame_token(websocket: WebSocket) -> str:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if not isinstance(text, str) or len(text) > 4096:
        return ""
    try:
        return parse_auth(text).token
    except BadFrame:
        return ""


async def _close(websocket: WebSocket, code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.close(code)


SOCKET_PATH = "/v1/ws"
routes = [WebSocketRoute(SOCKET_PATH, websocket_endpoint)]
