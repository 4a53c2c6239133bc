"""Ports the WebSocket edge uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

Deliver = Callable[[str], None]
"""Takes one frame, already encoded as JSON text."""
SessionEnded = Callable[[str], None]
PushesLost = Callable[[], None]


class FanoutSubscriber(Protocol):
    """Receives the frames published for users connected to this edge, and
    the control signals every edge must hear (a session that ended)."""

    async def subscribe(self, user_id: str, deliver: Deliver) -> None:
        """``deliver`` is called on the event loop for each frame of the user."""
        ...

    async def unsubscribe(self, user_id: str, deliver: Deliver) -> None: ...

    async def broadcast(self, user_ids: Sequence[str], frame: Mapping[str, Any]) -> None:
        """Sends a frame to the sockets of these users, on every edge."""
        ...

    async def end_session(self, session_id: str) -> None:
        """Tells every edge that the session ended (logout): a control
        signal, never a frame."""
        ...

    def on_session_ended(self, listener: SessionEnded) -> None:
        """``listener(session_id)`` is called on the event loop for each
        ``end_session``, from any edge."""
        ...

    def on_pushes_lost(self, listener: PushesLost) -> None:
        """``listener()`` is called on the event loop when frames published
        for this edge's users may have been lost (its connection to the
        fan-out dropped): their sockets must sync."""
        ...
