"""The sockets open on this edge: shutdown closes them with 1001, and an
ended session (logout, heard from any edge) closes its own with 4401.
When the fan-out may have lost frames, every socket is closed with 1001
too: clients reconnect and sync (PROTOCOL.md), which is how they get what
was lost."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

from ws_edge.close_codes import GOING_AWAY, UNAUTHORIZED

Farewell = Callable[[str], str | None]
"""user id -> the encoded frame its sockets get before a drain's 1001 (or None)."""


class Closable(Protocol):
    @property
    def session_id(self) -> str: ...

    @property
    def user_id(self) -> str: ...

    def push(self, text: str) -> None: ...

    def request_close(self, code: int) -> None: ...


class SocketRegistry:
    def __init__(self) -> None:
        self._open: set[Closable] = set()
        self._empty = asyncio.Event()
        self._empty.set()

    def __len__(self) -> int:
        return len(self._open)

    def add(self, socket: Closable) -> None:
        self._open.add(socket)
        self._empty.clear()

    def remove(self, socket: Closable) -> None:
        self._open.discard(socket)
        if not self._open:
            self._empty.set()

    def session_ended(self, session_id: str) -> None:
        for socket in list(self._open):
            if socket.session_id == session_id:
                socket.request_close(UNAUTHORIZED)

    def pushes_lost(self) -> None:
        for socket in list(self._open):
            socket.request_close(GOING_AWAY)

    async def close_all(self, timeout: float = 5.0, farewell: Farewell | None = None) -> None:
        """Asks every socket to close with 1001 (after the ``farewell`` frame
        of its user, if any) and waits (bounded) until they have."""
        for socket in list(self._open):
            text = farewell(socket.user_id) if farewell is not None else None
            if text is not None:
                socket.push(text)
            socket.request_close(GOING_AWAY)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._empty.wait(), timeout)
