"""Fan-out per edge (``CHAT_FANOUT_MODE=edge``): one channel per edge
instead of one per user.

The edges holding a user's sockets are read from the user's presence
leases (each lease id starts with its edge's id), so a publish costs one
lease read per recipient and one SPUBLISH per edge holding recipients of
the frame, carrying the recipients: ``"<user> <user> ...\\n<frame JSON>"``.
An edge subscribes to its own channel only and hands each frame to the
listed users' sockets on it. Offline recipients cost no SPUBLISH at all.

A batch the projector could not route (a lease read failed: on Redis
Cluster, the master of some recipients' leases died while the edges'
channels live on) is dropped, as any push may be. Unlike a dead channel
node, that tells no edge by itself, so the publisher keeps its recipients
and, with its next batch that Redis takes, announces them on the control
channel every edge hears; an edge holding any of them treats it as a lost
subscription (its sockets close with 1001, the clients reconnect and
``sync``).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import redis

from infra.redis.clients import AsyncRedis, SyncRedis
from infra.redis.fanout import RedisFanoutSubscriber
from infra.redis.keys import dropped_channel, edge_channel, leases_key
from projections.ports import Push
from ws_edge.ports import Deliver

log = logging.getLogger(__name__)

MAX_DROPPED = 10_000
"""Recipients of dropped pushes kept by name; beyond, every edge is told."""
EVERYONE = "*"

Leases = Mapping[str, Iterable[bytes | str]]
"""user id -> the ids of its live leases."""


def envelope(user_ids: Sequence[str], text: str) -> str:
    return " ".join(user_ids) + "\n" + text


def open_envelope(data: str) -> tuple[list[str], str]:
    users, _, text = data.partition("\n")
    return users.split(" "), text


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def edges_by_user(users: Sequence[str], leases: Sequence[Iterable[bytes | str]]) -> Leases:
    """The edges (lease id prefixes) each user has live sockets on."""
    return {
        user: {_text(lease).partition(":")[0] for lease in held}
        for user, held in zip(users, leases, strict=True)
    }


def routed(pushes: Sequence[Push], edges: Leases) -> list[tuple[str, str]]:
    """(edge, envelope) for each push and each edge holding its recipients, in order."""
    out: list[tuple[str, str]] = []
    for push in pushes:
        by_edge: dict[str, list[str]] = defaultdict(list)
        for user_id in push.user_ids:
            for edge_id in edges.get(user_id, ()):
                by_edge[_text(edge_id)].append(user_id)
        out += [(edge_id, envelope(users, push.text)) for edge_id, users in by_edge.items()]
    return out


def recipients(pushes: Sequence[Push]) -> list[str]:
    return list(dict.fromkeys(user for push in pushes for user in push.user_ids))


def _now_ms() -> int:
    return int(time.time() * 1000)


class RedisEdgeFanoutPublisher:
    """The projector's side: two round trips a batch (lease reads, publishes)."""

    def __init__(self, client: SyncRedis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._dropped: set[str] = set()  # recipients of pushes no edge got

    def publish(self, push: Push) -> None:
        self.publish_all([push])

    def publish_all(self, pushes: Sequence[Push]) -> None:
        users = recipients(pushes)
        try:
            self._announce_dropped()
            reads = self._client.pipeline(transaction=False)
            now = _now_ms()
            for user_id in users:
                reads.zrangebyscore(leases_key(self._prefix, user_id), f"({now}", "+inf")
            edges = edges_by_user(users, reads.execute())
            publishes = self._client.pipeline(transaction=False)
            for edge_id, data in routed(pushes, edges):
                publishes.spublish(edge_channel(self._prefix, edge_id), data)
            publishes.execute()
        except redis.RedisError as error:  # push is best effort; clients sync
            log.warning("fan-out publish failed (its recipients' edges are told later): %s", error)
            self._dropped.update(users if len(self._dropped) < MAX_DROPPED else [EVERYONE])

    def _announce_dropped(self) -> None:
        if self._dropped:
            listed = [EVERYONE] if EVERYONE in self._dropped else sorted(self._dropped)
            self._client.spublish(dropped_channel(self._prefix), " ".join(listed))
            self._dropped.clear()


class RedisEdgeFanoutSubscriber(RedisFanoutSubscriber):
    """The edge's side: its own channel (and the control channel) only."""

    def __init__(self, client: AsyncRedis, prefix: str, edge_id: str) -> None:
        super().__init__(client, prefix)
        self._channel = edge_channel(prefix, edge_id)

    async def start(self) -> None:
        await super().start()
        await self._subscriptions.subscribe(dropped_channel(self._prefix))
        await self._subscriptions.subscribe(self._channel)

    async def subscribe(self, user_id: str, deliver: Deliver) -> None:
        self._local[user_id].append(deliver)

    async def unsubscribe(self, user_id: str, deliver: Deliver) -> None:
        remaining = [d for d in self._local.get(user_id, []) if d != deliver]
        if remaining:
            self._local[user_id] = remaining
        else:
            self._local.pop(user_id, None)

    async def broadcast(self, user_ids: Sequence[str], frame: Mapping[str, Any]) -> None:
        push = Push(tuple(user_ids), frame)
        users = recipients([push])
        async with self._client.pipeline(transaction=False) as reads:
            now = _now_ms()
            for user_id in users:
                reads.zrangebyscore(leases_key(self._prefix, user_id), f"({now}", "+inf")
            edges = edges_by_user(users, await reads.execute())
        async with self._client.pipeline(transaction=False) as publishes:
            for edge_id, data in routed([push], edges):
                publishes.spublish(edge_channel(self._prefix, edge_id), data)
            await publishes.execute()

    def _dispatch(self, channel: str, data: bytes) -> None:
        if channel == dropped_channel(self._prefix):
            self._dropped_for(_text(data).split(" "))
            return
        if channel != self._channel:
            super()._dispatch(channel, data)
            return
        users, text = open_envelope(_text(data))
        for user_id in users:
            for deliver in list(self._local.get(user_id, ())):
                deliver(text)

    def _dropped_for(self, users: Sequence[str]) -> None:
        """Pushes for these users were dropped: if any is here, its sockets
        must sync, so the listeners are told, as after a lost subscription."""
        if EVERYONE in users or any(user in self._local for user in users):
            log.warning("a projector dropped pushes for users on this edge; sockets must sync")
            for listener in list(self._loss_listeners):
                listener()
