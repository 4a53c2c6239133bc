"""Sharded pub/sub subscriptions (SSUBSCRIBE), on one Redis or a cluster,
by one code path: one pub/sub connection and one reader per node that owns
a subscribed channel (on one Redis: that Redis; on a cluster: the channel's
master, found from its slot).

When a node's connection fails (a restart, a subscriber over its output
buffer limit, a master killed and replaced by its replica), its channels
are subscribed again where they now live, retrying until that works
(the cluster's slot map is read again each time); when Redis itself ends
a channel's subscription (its slot left the node: a manual failover or a
slot migration), that channel moves the same way. Then ``on_lost`` is
called, once, since what was published meanwhile is gone. It is called
after the subscriptions are back, so a client that syncs when told misses
nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio as aioredis
import redis.asyncio.cluster as aiocluster

from infra.redis.clients import AsyncRedis, node_client

log = logging.getLogger(__name__)

RETRY_EVERY = 0.5
"""Seconds between attempts to subscribe again after a node failed."""
YIELD_EVERY = 16
"""Messages handed out before the reader gives the loop a turn. A burst (a
projector publishing its backlog after an outage) sits whole in the
connection's buffer, and reading it needs no wait: without a turn, no
socket's writer runs until all of it is queued, and a burst of more than
CHAT_WS_SEND_QUEUE_FRAMES for one user closed sockets that read promptly
(1008). One turn per 16 messages costs little, as a timer per message did."""
ONE_REDIS = "one"
FAILURES = (redis.RedisError, redis.exceptions.RedisClusterException, OSError)
"""What a node that is away (or a slot map in flux) raises."""


@dataclass
class _Shard:
    name: str
    pubsub: Any
    channels: set[str] = field(default_factory=set)
    reader: asyncio.Task[None] | None = None
    commands: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One command at a time on the pub/sub: redis-py's PubSub takes its
    connection on first use, and two first commands at once took two, the
    first one's channel subscribed on a connection no reader reads (a user
    who got no pushes: 1 run in 8 of a channel move, two channels at once)."""


class ShardedSubscriptions:
    def __init__(
        self,
        client: AsyncRedis,
        on_message: Callable[[str, bytes], None],
        on_lost: Callable[[], None],
    ) -> None:
        self._client = client
        self._on_message = on_message
        self._on_lost = on_lost
        self._shards: dict[str, _Shard] = {}
        self._node_clients: dict[str, aioredis.Redis] = {}
        self._wanted: set[str] = set()
        self._recovering = 0
        self._recoveries: set[asyncio.Task[None]] = set()

    async def subscribe(self, channel: str) -> None:
        if isinstance(self._client, aiocluster.RedisCluster):
            await self._client.initialize()  # the slot map (a no-op once read)
        while True:
            shard = self._shard(self._owner(channel))
            async with shard.commands:
                if self._shards.get(shard.name) is shard:  # not dropped while this waited
                    await self._subscribe_on(shard, channel)
                    return

    async def _subscribe_on(self, shard: _Shard, channel: str) -> None:
        try:
            await shard.pubsub.ssubscribe(channel)
        except BaseException:
            if shard.reader is None and not shard.channels:
                await self._drop(shard)  # a node that never answered keeps no shard
            raise
        shard.channels.add(channel)
        self._wanted.add(channel)
        if shard.reader is None:
            shard.reader = asyncio.create_task(self._read(shard), name=f"ssub-{shard.name}")

    async def unsubscribe(self, channel: str) -> None:
        self._wanted.discard(channel)
        for shard in list(self._shards.values()):
            if channel in shard.channels:
                shard.channels.discard(channel)
                async with shard.commands:
                    await shard.pubsub.sunsubscribe(channel)

    async def check(self) -> None:
        """Every node's pub/sub connection answers (its reader takes the PONG)."""
        if self._recovering:
            raise redis.ConnectionError("fan-out subscriptions are being restored")
        for shard in list(self._shards.values()):
            if shard.reader is None or shard.reader.done():
                raise redis.ConnectionError(f"the fan-out reader of {shard.name} is not running")
            async with shard.commands:
                await shard.pubsub.ping()

    async def close(self) -> None:
        for task in list(self._recoveries):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for shard in list(self._shards.values()):
            await self._drop(shard)
        for client in self._node_clients.values():
            await client.aclose()

    def _owner(self, channel: str) -> str:
        if isinstance(self._client, aiocluster.RedisCluster):
            node = self._client.get_node_from_key(channel)
            if node is None:
                raise redis.ConnectionError(f"no node holds the slot of {channel}")
            name: str = node.name
            if name not in self._node_clients:
                self._node_clients[name] = node_client(node.host, int(node.port))
            return name
        return ONE_REDIS

    def _shard(self, name: str) -> _Shard:
        if name not in self._shards:
            client = self._client if name == ONE_REDIS else self._node_clients[name]
            assert isinstance(client, aioredis.Redis)
            self._shards[name] = _Shard(name, client.pubsub())
        return self._shards[name]

    async def _read(self, shard: _Shard) -> None:
        handed_out = 0
        while True:
            try:
                # No timeout: one asyncio timer a message cost the edge 13 %
                # of its time at 5,000 deliveries/s; close() cancels the wait.
                message = await shard.pubsub.get_message(timeout=None)
            except Exception as error:
                self._reader_failed(shard, error)
                return
            kind = None if message is None else message.get("type")
            if kind == "smessage":
                try:
                    self._on_message(_text(message["channel"]), message["data"])
                except Exception:  # the node's other channels are still read
                    log.exception("fan-out message on %s dropped", message.get("channel"))
                    self._on_lost()  # some of its sockets may not have it: they sync
                handed_out += 1
                if handed_out % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # the sockets' writers send what is queued
            elif kind == "sunsubscribe":
                self._unsubscribed_by_redis(shard, message["channel"])

    def _reader_failed(self, shard: _Shard, error: Exception) -> None:
        """The node's connection failed (or redis-py failed in a way it does
        not document): its channels are subscribed again, wherever they live
        now. A reader that just ended would leave them unread, with no sign."""
        if isinstance(error, FAILURES):
            log.warning("fan-out lost Redis node %s: %s; resubscribing", shard.name, error)
        else:
            log.error("fan-out reader of %s failed; resubscribing", shard.name, exc_info=error)
        self._in_background(self._recover(shard, set()), f"ssub-recover-{shard.name}")

    def _unsubscribed_by_redis(self, shard: _Shard, raw_channel: bytes) -> None:
        """Redis ends the subscriptions of a slot that left the node (a slot
        migrated, or a master became a replica in a manual failover): they
        move to the slot's new master. An unsubscribe of ours is already
        out of ``shard.channels``."""
        channel = _text(raw_channel)
        if channel not in shard.channels:
            return
        shard.channels.discard(channel)
        shard.pubsub.shard_channels.pop(raw_channel, None)  # not resubscribed here
        log.warning("Redis moved fan-out channel %s away from %s", channel, shard.name)
        self._in_background(self._recover(None, {channel}), f"ssub-move-{shard.name}")

    def _in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._recoveries.add(task)
        task.add_done_callback(self._recoveries.discard)

    async def _recover(self, failed: _Shard | None, moved: set[str]) -> None:
        """Subscribes again, where they live now, the channels of a failed
        node (``failed``) or ``moved`` ones; then says pushes were lost."""
        self._recovering += 1
        try:
            if failed is not None:
                await self._drop(failed)
            pending = moved | (failed.channels if failed is not None else set())
            wait = failed is not None  # a moved channel's new master is up: try at once
            while pending:
                if wait:
                    await asyncio.sleep(RETRY_EVERY)
                wait = True
                pending = await self._subscribe_again(pending)
        finally:
            self._recovering -= 1
        self._on_lost()

    async def _subscribe_again(self, channels: set[str]) -> set[str]:
        """The channels still not subscribed (their node did not answer)."""
        if isinstance(self._client, aiocluster.RedisCluster):
            with contextlib.suppress(*FAILURES):
                await self._client.nodes_manager.initialize()
        left = set()
        for channel in channels & self._wanted:
            try:
                await self.subscribe(channel)
            except FAILURES as error:
                log.debug("resubscribing %s failed: %s", channel, error)
                left.add(channel)
        return left

    async def _drop(self, shard: _Shard) -> None:
        if self._shards.get(shard.name) is shard:  # not a newer shard of the node
            del self._shards[shard.name]
        if shard.reader is not None and shard.reader is not asyncio.current_task():
            shard.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await shard.reader
        with contextlib.suppress(redis.RedisError, OSError):
            await shard.pubsub.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
