"""The sockets open on this edge, so that shutdown can close them with 1001."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

CLOSE_GOING_AWAY = 1001


class Closable(Protocol):
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

    async def close_all(self, timeout: float = 5.0) -> None:
        """Asks every socket to close with 1001 and waits (bounded) until they have."""
        for socket in list(self._open):
            socket.request_close(CLOSE_GOING_AWAY)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._empty.wait(), timeout)
