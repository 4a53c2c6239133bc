"""One authenticated socket: a reader, a bounded writer queue, the fan-out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from commands.accounts import Session
from commands.presence import SocketCapReached
from projections.frames import encode_frame, error_frame, ready_frame
from ws_edge import close_codes
from ws_edge.client_frames import BadFrame, SyncFrame, parse_frame
from ws_edge.handlers import FrameHandlers
from ws_edge.services import SocketServices

log = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0
"""At shutdown, how long a socket's queued frames (the answers to its
frames in flight) may take to go out before it is closed with 1001."""

SESSION_CHECK_BEATS = 4  # about a minute with the default 40 s lease
SESSION_CHECK_TIMEOUT = 5.0
END_TIMEOUT = 5.0
"""At the end of a socket, how long releasing its lease and its fan-out
subscription may take (Redis away: the sweeper and the TTL are the fallback)."""
FRAME_TIMEOUT = 30.0
"""A client frame (but ``sync``, paced by the client's reading) not answered
by then is answered ``unavailable``: nothing holds a socket's reader for long."""


class SocketConnection:
    """Two tasks per socket (this one reads, one writes) and timers for the
    heartbeat and the session's expiry: little memory per idle socket."""

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
        self._limit = services.limits.send_queue_frames
        self._half = max(1, self._limit // 2)
        self._outbox: deque[str] | list[str] = []  # a deque once anything waits
        self._writer: asyncio.Task[None] | None = None
        self._headroom: asyncio.Future[None] | None = None
        self._close_code: int | None = None
        self._handlers = FrameHandlers(services, session, self.reply)
        self._lease_id = f"{services.edge_id}:{uuid.uuid4().hex}"
        self._reader: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._expires_at = 0.0
        self._beats = 0
        self._beating: asyncio.Task[None] | None = None
        self._handling = False  # a client frame is being answered
        self._handling_since = 0.0  # loop time its answering began
        self._stopping = False  # this connection cancelled its own reader
        self._ended = False  # the socket is over: no lease may be renewed any more

    @property
    def session_id(self) -> str:
        return self._session.session_id

    @property
    def user_id(self) -> str:
        return self._session.user_id

    def push(self, text: str) -> None:
        """Queues an encoded frame for this socket; a socket that cannot keep
        up is closed."""
        if len(self._outbox) >= self._limit:
            log.info("closing a socket that does not read its frames")
            self._close(close_codes.TOO_SLOW)
            return
        self._queue(text)

    async def reply(self, frame: Mapping[str, Any]) -> None:
        """Queues an answer to the client's own frame. It waits while the queue
        is half full, so a long sync is paced by the client's reading and
        leaves room for pushes (which close the socket only when it is full)."""
        while len(self._outbox) >= self._half:
            if self._headroom is None:
                self._headroom = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._headroom)
        self._queue(encode_frame(frame))

    def _queue(self, text: str) -> None:
        """Queues a frame; a writer task runs only while frames wait (an idle
        socket has none)."""
        if isinstance(self._outbox, list):
            self._outbox = deque(self._outbox)
        self._outbox.append(text)
        if self._writer is None and self._reader is not None:
            self._writer = asyncio.create_task(self._write_all())
            self._writer.add_done_callback(self._writer_ended)

    async def run(self) -> None:
        """Reads and writes until the client leaves or the socket must close."""
        user_id = self._session.user_id
        try:  # the cap, checked and the lease taken in one atomic step
            await self._services.presence.admit(
                user_id, self._lease_id, self._services.limits.max_sockets
            )
        except SocketCapReached:
            await self._websocket.close(close_codes.TOO_MANY_SOCKETS)
            return
        except Exception as error:  # Redis away: the client comes back later
            log.warning("socket admission failed: %s", type(error).__name__)
            with contextlib.suppress(Exception):
                await self._websocket.close(close_codes.TRY_AGAIN_LATER)
            await self._release_lease()  # if it was taken before the failure
            return
        ready = ready_frame(user_id, self._session.session_id)
        try:
            await self._websocket.send_text(encode_frame(ready))
        except BaseException:
            with contextlib.suppress(Exception):  # the sweeper is the fallback
                await self._services.presence.disconnected(user_id, self._lease_id)
            raise
        self._services.sockets.add(self)
        self._reader = asyncio.current_task()
        try:
            if not await self._subscribed(user_id):
                return
            # A logout between authentication and subscribing was not heard.
            if not await self._still_alive():
                self._close(close_codes.UNAUTHORIZED)
                return
            await self._renew_lease()
            self._start_timers()
            await self._read_loop()
        except asyncio.CancelledError:
            if not self._stopping:
                raise  # cancelled from outside (the server stopping)
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
        finally:
            await self._end(user_id)

    async def _subscribed(self, user_id: str) -> bool:
        """The user's frames reach this socket from now on; if Redis failed to
        subscribe, the socket is to close with 1013 (a socket that would
        hear nothing must not stay open)."""
        try:
            await self._services.fanout.subscribe(user_id, self.push)
        except Exception as error:
            log.warning("fan-out subscribe failed: %s", type(error).__name__)
            self._close(close_codes.TRY_AGAIN_LATER)
            return False
        return True

    async def _end(self, user_id: str) -> None:
        self._ended = True  # before any await: no beat renews the lease from now on
        self._reader = None  # nothing may cancel the clean-up, nor start a writer
        if self._timer is not None:
            self._timer.cancel()
        writer = self._writer
        if writer is not None:
            if self._close_code == close_codes.GOING_AWAY:  # the answers go out first
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(writer), FLUSH_SECONDS)
            writer.cancel()
        if self._beating is not None:
            self._beating.cancel()
        try:
            try:
                async with asyncio.timeout(END_TIMEOUT):
                    await self._services.fanout.unsubscribe(user_id, self.push)
            except Exception as error:  # its frames for the user reach no socket any more
                log.warning("fan-out unsubscribe failed: %s", type(error).__name__)
            await self._release_lease()
            if self._close_code is not None:
                with contextlib.suppress(Exception):
                    await self._websocket.close(self._close_code)
        finally:  # the server's shutdown waits for this, then closes the rest with 1012
            self._services.sockets.remove(self)

    def _start_timers(self) -> None:
        """One timer per socket: the next beat, or the session's expiry (a
        socket lives no longer than its session: 4401 then)."""
        loop = asyncio.get_running_loop()
        left = (self._session.expires_at - self._services.clock()).total_seconds()
        self._expires_at = loop.time() + max(0.0, left)
        self._schedule_beat()

    def _schedule_beat(self) -> None:
        if self._ended:
            return
        loop = asyncio.get_running_loop()
        interval = self._services.presence.settings.heartbeat_interval
        due = min(loop.time() + interval, self._expires_at)
        self._timer = loop.call_at(due, self._on_timer)

    def _on_timer(self) -> None:
        if asyncio.get_running_loop().time() >= self._expires_at:
            self._close(close_codes.UNAUTHORIZED)
        else:
            self._beating = asyncio.create_task(self._beat())

    async def _beat(self) -> None:
        """Renews this socket's presence lease while its client is shown to be
        there, and every SESSION_CHECK_BEATS beats re-checks its session (a
        logout this edge did not hear of). Nothing renews it once the socket
        ended, even if a cancellation of this beat was lost on the way."""
        if self._ended:
            return
        self._beats += 1
        if self._client_is_heard():
            await self._renew_lease()
        if self._ended:
            return
        if self._beats % SESSION_CHECK_BEATS == 0 and not await self._still_alive():
            self._close(close_codes.UNAUTHORIZED)
            return
        self._schedule_beat()

    def _client_is_heard(self) -> bool:
        """The reader waits on the socket (where a client gone shows as a
        disconnect, at the latest when it stops answering pings), or the
        frame it answers began less than a lease ago. A frame stuck longer
        keeps no lease alive: the lease expires and the sweeper turns the
        user offline; the next beat after it is answered renews it."""
        if not self._handling:
            return True
        busy = asyncio.get_running_loop().time() - self._handling_since
        return busy < self._services.presence.settings.lease_ttl

    async def _renew_lease(self) -> None:
        presence = self._services.presence
        try:
            async with asyncio.timeout(presence.settings.heartbeat_interval):
                await presence.heartbeat(self._session.user_id, self._lease_id)
        except Exception as error:  # a missed beat is retried; the lease outlives it
            log.warning("presence heartbeat failed: %s", type(error).__name__)
        if self._ended:  # it ended while renewing: what was renewed goes again
            await self._release_lease()

    async def _release_lease(self) -> None:
        try:
            async with asyncio.timeout(END_TIMEOUT):
                await self._services.presence.disconnected(self._session.user_id, self._lease_id)
        except Exception as error:  # the sweeper is the fallback
            log.warning("presence release failed: %s", type(error).__name__)

    async def _still_alive(self) -> bool:
        """The session check, given up (as alive) if the store is slow or down."""
        try:  # asyncio.timeout, not wait_for: 3.11's wait_for can lose a cancellation
            async with asyncio.timeout(SESSION_CHECK_TIMEOUT):
                return await self._session_alive()
        except Exception as error:
            log.warning("session check failed: %s", type(error).__name__)
            return True

    def request_close(self, code: int) -> None:
        """From outside (shutdown, logout): a frame being answered is
        answered first (a send in flight gets ``sent`` or an error), then
        its reply is written and the socket closed with ``code``."""
        if self._close_code is None:
            self._close_code = code
        if not self._handling:
            self._stop_reading()

    def _close(self, code: int) -> None:
        if self._close_code is None:
            self._close_code = code
        self._stop_reading()

    def _writer_ended(self, writer: asyncio.Task[None]) -> None:
        """A writer that failed (the client went away mid-write) stops the reading."""
        self._writer = None
        if not writer.cancelled() and writer.exception() is not None:
            self._stop_reading()
        elif self._outbox and self._reader is not None:
            self._writer = asyncio.get_running_loop().create_task(self._write_all())
            self._writer.add_done_callback(self._writer_ended)

    def _stop_reading(self) -> None:
        reader = self._reader
        if reader is not None and reader is not asyncio.current_task() and not reader.done():
            self._stopping = True
            reader.cancel()

    async def _write_all(self) -> None:
        """Sends what is queued, then ends."""
        outbox = self._outbox
        assert isinstance(outbox, deque)
        while outbox:
            text = outbox.popleft()
            if self._headroom is not None and len(outbox) < self._half:
                self._headroom.set_result(None)
                self._headroom = None
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
            self._handling, self._handling_since = True, asyncio.get_running_loop().time()
            try:
                await self._handle(text)
            finally:
                self._handling = False
            if self._close_code is not None:
                return  # asked to close while answering: the answer is queued

    async def _handle(self, text: str) -> None:
        try:
            frame = parse_frame(text)
            async with asyncio.timeout(None if isinstance(frame, SyncFrame) else FRAME_TIMEOUT):
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
