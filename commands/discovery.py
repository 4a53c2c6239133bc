"""Discovery: which live edge serves a user (``GET /v1/edge``).

Each edge registers itself (its id and public ``ws_url``) with a lease that
its heartbeat renews, and deregisters first when it drains. A user's edge
is chosen among the live ones by rendezvous (highest-random-weight)
hashing on the user id: every edge gives the same answer from the same
registry, and when an edge leaves only the users it served move (each to
the edge of its next-highest weight).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class EdgeEntry:
    edge_id: str
    ws_url: str


class NoLiveEdge(Exception):
    """The registry holds no live edge (every edge is down or draining)."""


class EdgeRegistry(Protocol):
    """The live edges. Leases are timed by the caller's clock (``now``)."""

    async def register(self, edge: EdgeEntry, now: datetime, ttl: float) -> None:
        """Adds or renews the edge until ``now + ttl`` (its ``ws_url`` replaced)."""
        ...

    async def deregister(self, edge_id: str) -> None:
        """Removes the edge at once (draining); an unknown id changes nothing."""
        ...

    async def live(self, now: datetime) -> list[EdgeEntry]:
        """The edges whose lease runs past ``now``, by edge id."""
        ...


def weight(edge_id: str, user_id: str) -> int:
    """The rendezvous weight of an edge for a user: 64 bits of BLAKE2b over
    both ids (the separator keeps ``("ab", "c")`` apart from ``("a", "bc")``)."""
    digest = hashlib.blake2b(f"{edge_id}\x00{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def pick_edge(user_id: str, edges: Iterable[EdgeEntry]) -> EdgeEntry:
    """The edge of highest weight for the user (ties: the larger edge id)."""
    best = max(edges, key=lambda edge: (weight(edge.edge_id, user_id), edge.edge_id), default=None)
    if best is None:
        raise NoLiveEdge("no edge is live")
    return best


class Discovery:
    """Answers ``GET /v1/edge`` and chooses where a draining edge sends its users."""

    def __init__(self, registry: EdgeRegistry, clock: Callable[[], datetime]) -> None:
        self._registry = registry
        self._clock = clock

    async def edge_for(self, user_id: str, without: str = "") -> EdgeEntry:
        """The user's edge among the live ones (never ``without``)."""
        edges = await self._registry.live(self._clock())
        return pick_edge(user_id, (edge for edge in edges if edge.edge_id != without))
