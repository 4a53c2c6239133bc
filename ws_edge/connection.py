"""One authenticated socket: a reader, a bounded writer queue, the fan-out."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from commands.accounts import Session
from projections.frames import encode_frame, error_frame, ready_frame
from ws_edge import close_codes
from ws_edge.client_frames import BadFrame, parse_frame
from ws_edge.handlers import FrameHandlers
from ws_edge.services import SocketServices

log = logging.getLogger(__name__)

SESSION_CHECK_BEATS = 4  # about a minute with the default 40 s lease
SESSION_CHECK_TIMEOUT = 5.0


class SocketConnection:
    def __init__(
        self,
        websocket: WebSocket,
        services: SocketServices,
        session: Session,
        session_alive: Callable[[], Awaitable[bool]],
    ) -> None:
        self._websocket = websocket
        self._services = services
        self._session = session
        self._session_alive = session_alive
        self._headroom = asyncio.Event()
        self._half = max(1, services.limits.send_queue_frames // 2)
        self._outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=services.limits.send_queue_frames)
        self._close_code: int | None = None
        self._closing = asyncio.Event()
        self._handlers = FrameHandlers(services, session, self.reply)
        self._lease_id = f"{services.edge_id}:{uuid.uuid4().hex}"

    @property
    def session_id(self) -> str:
        return self._session.session_id

    def push(self, text: str) -> None:
        """Queues an encoded frame for this socket; a socket that cannot keep
        up is closed."""
        try:
            self._outbox.put_nowait(text)
        except asyncio.QueueFull:
            log.info("closing a socket that does not read its frames")
            self._close(close_codes.TOO_SLOW)

    async def reply(self, frame: Mapping[str, Any]) -> None:
        """Queues an answer to the client's own frame. It waits while the queue
        is half full, so a long sync is paced by the client's reading and
        leaves room for pushes (which close the socket only when it is full)."""
        while self._outbox.qsize() >= self._half:
            self._headroom.clear()
            await self._headroom.wait()
        self._outbox.put_nowait(encode_frame(frame))

    async def run(self) -> None:
        """Reads and writes until the client leaves or the socket must close."""
        user_id = self._session.user_id
        if await self._services.presence.sockets_of(user_id) >= self._services.limits.max_sockets:
            await self._websocket.close(close_codes.TOO_MANY_SOCKETS)
            return
        await self._websocket.send_text(
            encode_frame(ready_frame(user_id, self._session.session_id))
        )
        self._services.sockets.add(self)
        try:
            await self._services.fanout.subscribe(user_id, self.push)
            # A logout between authentication and subscribing was not heard.
            if not await self._still_alive():
                self._close(close_codes.UNAUTHORIZED)
                return
            await self._services.presence.connected(user_id, self._lease_id)
            async with anyio.create_task_group() as tasks:
                loops = (self._read_loop, self._write_loop, self._closing.wait, self._beat)
                for loop in (*loops, self._expire):
                    tasks.start_soon(self._until_done, loop, tasks.cancel_scope)
        finally:
            self._services.sockets.remove(self)
            with anyio.CancelScope(shield=True):
                await self._services.fanout.unsubscribe(user_id, self.push)
                with contextlib.suppress(Exception):  # the sweeper is the fallback
                    await self._services.presence.disconnected(user_id, self._lease_id)
                if self._close_code is not None:
                    with contextlib.suppress(Exception):
                        await self._websocket.close(self._close_code)

    async def _expire(self) -> None:
        """A socket lives no longer than its session: closed with 4401 at expiry."""
        left = self._session.expires_at - self._services.clock()
        await asyncio.sleep(max(0.0, left.total_seconds()))
        self._close(close_codes.UNAUTHORIZED)

    async def _beat(self) -> None:
        """Renews this socket's presence lease while it is open, and every
        SESSION_CHECK_BEATS beats re-checks its session (a logout this edge
        did not hear of)."""
        presence = self._services.presence
        for beat in itertools.count(1):
            await asyncio.sleep(presence.settings.heartbeat_interval)
            try:
                await presence.heartbeat(self._session.user_id, self._lease_id)
            except Exception as error:  # a missed beat is retried; the lease outlives it
                log.warning("presence heartbeat failed: %s", type(error).__name__)
            if beat % SESSION_CHECK_BEATS == 0 and not await self._still_alive():
                self._close(close_codes.UNAUTHORIZED)

    async def _still_alive(self) -> bool:
        """The session check, given up (as alive) if the store is slow or down."""
        try:
            return await asyncio.wait_for(self._session_alive(), SESSION_CHECK_TIMEOUT)
        except Exception as error:
            log.warning("session check failed: %s", type(error).__name__)
            return True

    @staticmethod
    async def _until_done(work: Callable[[], Awaitable[object]], scope: anyio.CancelScope) -> None:
        """Runs one of the socket's loops; when any ends, they all end."""
        try:
            await work()
        finally:
            scope.cancel()

    def request_close(self, code: int) -> None:
        self._close(code)

    def _close(self, code: int) -> None:
        if self._close_code is None:
            self._close_code = code
        self._closing.set()

    async def _write_loop(self) -> None:
        while True:
            text = await self._outbox.get()
            if self._outbox.qsize() < self._half:
                self._headroom.set()
            await self._websocket.send_text(text)

    async def _read_loop(self) -> None:
        limit = self._services.limits.max_frame_bytes
        while True:
            message = await self._websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await self.reply(error_frame("bad_request", "frames are JSON text"))
                continue
            if len(text) > limit and len(text.encode("utf-8")) > limit:
                self._close(close_codes.TOO_BIG)
                return
            await self._handle(text)

    async def _handle(self, text: str) -> None:
        try:
            frame = parse_frame(text)
            await self._handlers.handle(frame)
        except BadFrame as error:
            await self.reply(
                error_frame(error.code, str(error), error.frame_id, error.retry_after_ms)
            )
        except WebSocketDisconnect:
            raise
        except Exception as error:  # a fault of ours or of a service: this frame only
            log.error("frame failed: %s", type(error).__name__)
            await self.reply(error_frame("unavailable", "the server could not do that; retry"))
