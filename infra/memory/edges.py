"""The in-memory edge registry (the embedded edge registers itself here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from commands.discovery import EdgeEntry


class InMemoryEdgeRegistry:
    def __init__(self) -> None:
        self._edges: dict[str, tuple[EdgeEntry, datetime]] = {}

    async def register(self, edge: EdgeEntry, now: datetime, ttl: float) -> None:
        self._edges[edge.edge_id] = (edge, now + timedelta(seconds=ttl))

    async def deregister(self, edge_id: str) -> None:
        self._edges.pop(edge_id, None)

    async def live(self, now: datetime) -> list[EdgeEntry]:
        self._edges = {key: held for key, held in self._edges.items() if held[1] > now}
        return [self._edges[key][0] for key in sorted(self._edges)]
