"""A chat client that behaves as PROTOCOL.md expects a real one to: one
socket to either edge; a send that gets no ``sent`` is resent with the same
``client_msg_id``; a broken socket is reconnected (to the other edge first)
and ``sync``ed from the last seq of each conversation; a gap in a
conversation's seqs is filled with ``sync``; messages are applied in seq
order only, and receipts are reported as they arrive."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.faults.journal import Attempt, Journal, Outage, Sighting, now

Frame = dict[str, Any]

ACK_TIMEOUT_S = 5.0  # no ``sent`` by then: the socket is taken for dead
OPEN_TIMEOUT_S = 3.0
RESEND_PAUSE_S = 0.2
RECONNECT_PAUSE_S = 0.2
RECEIPT_EVERY_S = 2.0
READ_EVERY = 3  # a read receipt every third receipt round
NORMAL_CLOSES = {1000, 1001, 1006, 1011, 1012, None}


@dataclass(frozen=True)
class Account:
    user_id: str
    handle: str
    token: str


class SocketLost(Exception):
    """The socket a frame was sent on broke before the answer came."""


class ChatClient:
    def __init__(
        self,
        account: Account,
        conversations: list[str],
        edges: list[str],
        journal: Journal,
        rng: random.Random,
    ) -> None:
        self.account = account
        self.conversations = conversations
        self.cursors = dict.fromkeys(conversations, 0)
        self._edges = edges
        self._edge = rng.randrange(len(edges))
        self._journal = journal
        self._rng = rng
        self._socket: ClientConnection | None = None
        self._connected = asyncio.Event()
        self._waiting: dict[str, asyncio.Future[Frame]] = {}
        self._early: dict[str, dict[int, Frame]] = defaultdict(dict)
        self._sync = SyncState()
        self._closing = False

    @property
    def user_id(self) -> str:
        return self.account.user_id

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    # -- the socket -------------------------------------------------------

    async def stay_connected(self) -> None:
        """Connects, reads until the socket breaks, reconnects; until ``close()``."""
        lost: tuple[float, int | None] | None = None
        while not self._closing:
            try:
                socket = await self._open(self._edges[self._edge])
            except Exception:  # refused, reset, timed out, closed: try the other edge
                self._edge = (self._edge + 1) % len(self._edges)
                await asyncio.sleep(RECONNECT_PAUSE_S * self._rng.uniform(0.5, 1.5))
                continue
            if self._closing:  # closed while this socket was opening: leave with it
                await socket.close()
                return
            if lost is not None:
                self._journal.outages.append(Outage(self.user_id, lost[0], now(), lost[1]))
            code = await self._serve(socket)
            lost = (now(), code)
            if code not in NORMAL_CLOSES:
                self._journal.anomalies.append(f"{self.account.handle}: socket closed with {code}")
            self._edge = (self._edge + 1) % len(self._edges)

    async def _open(self, url: str) -> ClientConnection:
        socket = await connect(
            url,
            open_timeout=OPEN_TIMEOUT_S,
            ping_interval=5,
            ping_timeout=5,
            close_timeout=1,
            max_size=2**22,
        )
        try:
            await socket.send(json.dumps({"type": "auth", "token": self.account.token}))
            async with asyncio.timeout(OPEN_TIMEOUT_S):
                while json.loads(await socket.recv())["type"] != "ready":
                    pass
        except BaseException:
            await socket.close()
            raise
        return socket

    async def _serve(self, socket: ClientConnection) -> int | None:
        """Reads frames until the socket closes; returns its close code."""
        self._socket = socket
        self._sync = SyncState()
        self._connected.set()
        try:
            await self.request_sync()
            async for raw in socket:
                self._on_frame(json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            self._socket = None
            self._connected.clear()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(SocketLost())
        return socket.close_code

    async def _send_frame(self, frame: Frame) -> None:
        socket = self._socket
        if socket is None:
            raise SocketLost()
        try:
            await socket.send(json.dumps(frame))
        except ConnectionClosed:
            raise SocketLost() from None

    async def drop_socket(self) -> None:
        """Gives up on a socket that does not answer (a real client's timeout)."""
        socket = self._socket
        if socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(socket.close(), 2)
            socket.transport.abort()

    async def close(self) -> None:
        self._closing = True
        await self.drop_socket()

    # -- sending ----------------------------------------------------------

    async def send_until_acked(self, conversation_id: str, client_msg_id: str, body: str) -> None:
        record = self._journal.begin_send(self.user_id, conversation_id, client_msg_id)
        frame = {
            "type": "send",
            "id": client_msg_id,
            "conversation_id": conversation_id,
            "client_msg_id": client_msg_id,
            "body": body,
        }
        while True:
            await self._connected.wait()
            started = now()
            reply, outcome = await self._ask(frame, client_msg_id)
            record.attempts.append(Attempt(started, now(), outcome))
            if reply is not None and reply["type"] == "sent":
                record.acked_at, record.message_id = now(), reply["message_id"]
                return
            pause = RESEND_PAUSE_S
            if reply is not None and reply.get("retry_after_ms"):
                pause = reply["retry_after_ms"] / 1000
            await asyncio.sleep(pause)

    async def _ask(self, frame: Frame, frame_id: str) -> tuple[Frame | None, str]:
        """Sends a frame and waits for the reply with its id: (reply, outcome)."""
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._waiting[frame_id] = future
        try:
            await self._send_frame(frame)
            reply = await asyncio.wait_for(future, ACK_TIMEOUT_S)
        except SocketLost:
            return None, "closed"
        except TimeoutError:
            await self.drop_socket()
            return None, "timeout"
        finally:
            self._waiting.pop(frame_id, None)
        if reply["type"] == "error":
            return reply, f"error:{reply.get('code')}"
        return reply, reply["type"]

    # -- receiving --------------------------------------------------------

    def _on_frame(self, frame: Frame) -> None:
        kind = frame.get("type", "?")
        self._journal.frames[kind] += 1
        if kind == "message":
            self._on_message(frame)
        elif kind == "synced":
            self._on_synced()
        elif kind == "error" and str(frame.get("id", "")).startswith("sync"):
            self._sync_refused(frame.get("retry_after_ms") or 1000)
        waiting = self._waiting.get(str(frame.get("id")))
        if waiting is not None and not waiting.done() and kind in ("sent", "ok", "error"):
            waiting.set_result(frame)

    def _on_message(self, frame: Frame) -> None:
        conversation_id, seq = frame["conversation_id"], frame["seq"]
        if conversation_id not in self.cursors:
            return
        cursor = self.cursors[conversation_id]
        if seq <= cursor:
            self._check_again(conversation_id, frame)
        elif seq == cursor + 1:
            self._apply(conversation_id, frame)
            early = self._early[conversation_id]
            while (following := early.pop(self.cursors[conversation_id] + 1, None)) is not None:
                self._apply(conversation_id, following)
        else:
            self._early[conversation_id][seq] = frame
            asyncio.get_running_loop().create_task(self.request_sync())

    def _apply(self, conversation_id: str, frame: Frame) -> None:
        self.cursors[conversation_id] = frame["seq"]
        sighting = Sighting(frame["seq"], frame["message_id"], frame["client_msg_id"], now())
        self._journal.sightings(self.user_id, conversation_id).append(sighting)

    def _check_again(self, conversation_id: str, frame: Frame) -> None:
        """A seq seen before (a sync overlapping pushes) must be the same message."""
        before = self._journal.sightings(self.user_id, conversation_id)[frame["seq"] - 1]
        if before.message_id != frame["message_id"]:
            self._journal.inconsistencies.append(
                f"{self.account.handle} {conversation_id} seq {frame['seq']}: "
                f"{before.message_id} then {frame['message_id']}"
            )

    # -- sync -------------------------------------------------------------

    async def request_sync(self) -> None:
        """Asks for everything after the cursors (once at a time; again after)."""
        if not self._sync.begin():
            return
        self._sync.number += 1
        frame = {"type": "sync", "id": f"sync{self._sync.number}", "cursors": dict(self.cursors)}
        with contextlib.suppress(SocketLost):
            await self._send_frame(frame)

    def _sync_refused(self, retry_after_ms: int) -> None:
        """Rate-limited or unavailable: asked again after the pause."""
        self._sync.busy = False
        loop = asyncio.get_running_loop()
        loop.call_later(retry_after_ms / 1000, lambda: loop.create_task(self.request_sync()))

    def _on_synced(self) -> None:
        if self._sync.end():
            asyncio.get_running_loop().create_task(self.request_sync())

    async def synced(self, timeout: float) -> None:
        """Syncs once more and waits for the answer (the end of a run)."""
        async with asyncio.timeout(timeout):
            while True:
                await self._connected.wait()
                self._sync.wanted = True
                await self.request_sync()
                while self._sync.busy and self.connected:
                    await asyncio.sleep(0.05)
                if self.connected and not self._sync.busy and not self._early_left():
                    return

    def _early_left(self) -> bool:
        return any(self._early.values())

    # -- receipts ---------------------------------------------------------

    async def report_receipts(self, stop: asyncio.Event) -> None:
        """``delivered`` up to the cursor of each conversation every round,
        ``read`` every third round, each until acknowledged."""
        rounds = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RECEIPT_EVERY_S * self._rng.uniform(0.7, 1.3))
            rounds += 1
            kind = "read" if rounds % READ_EVERY == 0 else "delivered"
            for conversation_id in self.conversations:
                if self.connected:
                    await self._receipt(kind, conversation_id)

    async def _receipt(self, kind: str, conversation_id: str) -> None:
        marks = self._journal.marks_of(self.user_id, conversation_id)
        up_to = self.cursors[conversation_id]
        acked = marks.read_acked if kind == "read" else marks.delivered_acked
        if up_to <= acked:
            return
        frame_id = f"{kind}-{conversation_id}-{up_to}"
        frame = {"type": kind, "id": frame_id, "conversation_id": conversation_id}
        if kind == "read":
            marks.read_sent = max(marks.read_sent, up_to)
        else:
            marks.delivered_sent = max(marks.delivered_sent, up_to)
        reply, _ = await self._ask({**frame, "up_to_seq": up_to}, frame_id)
        if reply is not None and reply["type"] == "ok":
            if kind == "read":
                marks.read_acked = max(marks.read_acked, up_to)
            else:
                marks.delivered_acked = max(marks.delivered_acked, up_to)


class SyncState:
    """One ``sync`` in flight per socket; another wanted meanwhile follows it."""

    def __init__(self) -> None:
        self.busy = False
        self.wanted = False
        self.number = 0

    def begin(self) -> bool:
        if self.busy:
            self.wanted = True
            return False
        self.busy, self.wanted = True, False
        return True

    def end(self) -> bool:
        """True if another sync is wanted now."""
        self.busy = False
        return self.wanted
