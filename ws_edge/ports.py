"""Ports the WebSocket edge uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

Deliver = Callable[[Mapping[str, Any]], None]


class FanoutSubscriber(Protocol):
    """Receives the frames published for users connected to this edge."""

    async def subscribe(self, user_id: str, deliver: Deliver) -> None:
        """``deliver`` is called on the event loop for each frame of the user."""
        ...

    async def unsubscribe(self, user_id: str, deliver: Deliver) -> None: ...

    async def broadcast(self, user_ids: Sequence[str], frame: Mapping[str, Any]) -> None:
        """Sends a frame to the sockets of these users, on every edge."""
        ...
