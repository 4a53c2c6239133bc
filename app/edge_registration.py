"""The edge in the registry: registered before it is ready, its lease renewed
by a heartbeat, deregistered first when it drains; and the ``reconnect``
frame each of its sockets gets then (discovery without this edge)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from commands.discovery import EdgeEntry, EdgeRegistry, pick_edge
from projections.frames import encode_frame, reconnect_frame
from ws_edge.registry import Farewell

log = logging.getLogger(__name__)

BEATS_PER_LEASE = 3
"""Heartbeats per lease: two may fail before the edge drops out."""
DRAIN_LOOKUP_SECONDS = 2.0
"""How long a draining edge waits for the registry (then it closes with 1001 only)."""


class EdgeRegistration:
    def __init__(
        self,
        registry: EdgeRegistry,
        edge: EdgeEntry,
        lease_seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._registry = registry
        self._edge = edge
        self._lease = lease_seconds
        self._clock = clock
        self._beating: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Registers now (a failure here fails the start: a broken registry
        must be seen), then renews the lease in the background."""
        await self._registry.register(self._edge, self._clock(), self._lease)
        self._beating = asyncio.create_task(self._beat_forever(), name="edge-registration")

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._lease / BEATS_PER_LEASE)
            try:
                await self._registry.register(self._edge, self._clock(), self._lease)
            except Exception as error:  # the next beat tries again; the lease outlives one miss
                log.warning("edge registration heartbeat failed: %s", error)

    async def stop(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
            self._beating = None

    async def drain(self) -> Farewell | None:
        """Leaves the registry, then says where each user should go: the
        frame for a user (None: no other edge is live, or the registry did
        not answer in time; the socket is closed with 1001 alone)."""
        await self.stop()
        try:
            async with asyncio.timeout(DRAIN_LOOKUP_SECONDS):
                await self._registry.deregister(self._edge.edge_id)
                others = [
                    edge
                    for edge in await self._registry.live(self._clock())
                    if edge.edge_id != self._edge.edge_id
                ]
        except Exception as error:
            log.warning("draining without the registry: %s", error)
            return None
        if not others:
            return None

        chosen: dict[str, str] = {}  # a user's sockets share one choice

        def farewell(user_id: str) -> str | None:
            if user_id not in chosen:
                edge = pick_edge(user_id, others)
                chosen[user_id] = encode_frame(reconnect_frame(edge.ws_url, edge.edge_id))
            return chosen[user_id]

        return farewell
