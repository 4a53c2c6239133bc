"""In-memory fan-out: the projector thread publishes, the edge's loop delivers."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from projections.ports import Push
from ws_edge.ports import Deliver, PushesLost, SessionEnded


class InMemoryFanout:
    """Implements both Fanout (publish, any thread) and FanoutSubscriber."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, list[tuple[asyncio.AbstractEventLoop, Deliver]]] = defaultdict(
            list
        )
        self._session_listeners: list[tuple[asyncio.AbstractEventLoop, SessionEnded]] = []

    def publish(self, push: Push) -> None:
        with self._lock:
            targets = [pair for user in push.user_ids for pair in self._subscribers.get(user, ())]
        for loop, deliver in targets:
            loop.call_soon_threadsafe(deliver, push.text)

    def publish_all(self, pushes: Sequence[Push]) -> None:
        for push in pushes:
            self.publish(push)

    async def broadcast(self, user_ids: Sequence[str], frame: Mapping[str, Any]) -> None:
        self.publish(Push(tuple(user_ids), frame))

    async def subscribe(self, user_id: str, deliver: Deliver) -> None:
        with self._lock:
            self._subscribers[user_id].append((asyncio.get_running_loop(), deliver))

    async def unsubscribe(self, user_id: str, deliver: Deliver) -> None:
        with self._lock:
            remaining = [pair for pair in self._subscribers[user_id] if pair[1] != deliver]
            if remaining:
                self._subscribers[user_id] = remaining
            else:
                del self._subscribers[user_id]

    async def end_session(self, session_id: str) -> None:
        with self._lock:
            listeners = list(self._session_listeners)
        for loop, listener in listeners:
            loop.call_soon_threadsafe(listener, session_id)

    def on_session_ended(self, listener: SessionEnded) -> None:
        with self._lock:
            self._session_listeners.append((asyncio.get_running_loop(), listener))

    def on_pushes_lost(self, listener: PushesLost) -> None:
        """Never called: frames handed over in memory cannot be lost."""
