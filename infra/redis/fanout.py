"""Fan-out over Redis sharded pub/sub (SPUBLISH/SSUBSCRIBE): one channel
per user, and one control channel that every edge hears (sessions that
ended). The same code runs on one Redis and on Redis Cluster, where each
channel lives on the master of its slot (``infra.redis.keys``).

The projector publishes (sync client); each edge subscribes, over one
pub/sub connection per node (``infra.redis.sharded_pubsub``), to the
channels of the users connected to it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import redis

from infra.redis.clients import AsyncRedis, SyncRedis
from infra.redis.keys import sessions_channel, user_channel
from infra.redis.sharded_pubsub import ShardedSubscriptions
from projections.frames import encode_frame
from projections.ports import Push
from ws_edge.ports import Deliver, PushesLost, SessionEnded

log = logging.getLogger(__name__)


class RedisFanoutPublisher:
    def __init__(self, client: SyncRedis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def publish(self, push: Push) -> None:
        self.publish_all([push])

    def publish_all(self, pushes: Sequence[Push]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for push in pushes:
            for user_id in push.user_ids:
                pipe.spublish(user_channel(self._prefix, user_id), push.text)
        try:
            pipe.execute()
        except redis.RedisError as error:  # push is best effort; clients sync
            log.warning("fan-out publish failed: %s", error)


class RedisFanoutSubscriber:
    def __init__(self, client: AsyncRedis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._subscriptions = ShardedSubscriptions(client, self._dispatch, self._lost)
        self._local: dict[str, list[Deliver]] = defaultdict(list)
        self._session_listeners: list[SessionEnded] = []
        self._loss_listeners: list[PushesLost] = []

    async def start(self) -> None:
        # Listening on the control channel from the start: a reader never idles.
        await self._subscriptions.subscribe(sessions_channel(self._prefix))

    async def close(self) -> None:
        await self._subscriptions.close()

    async def check(self) -> None:
        """Readiness: Redis answers, on the pooled and every pub/sub connection."""
        await self._client.ping()
        await self._subscriptions.check()

    async def broadcast(self, user_ids: Sequence[str], frame: Mapping[str, Any]) -> None:
        payload = encode_frame(frame)
        async with self._client.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.spublish(user_channel(self._prefix, user_id), payload)
            await pipe.execute()

    async def end_session(self, session_id: str) -> None:
        await self._client.spublish(sessions_channel(self._prefix), session_id)

    def on_session_ended(self, listener: SessionEnded) -> None:
        self._session_listeners.append(listener)

    def on_pushes_lost(self, listener: PushesLost) -> None:
        self._loss_listeners.append(listener)

    async def subscribe(self, user_id: str, deliver: Deliver) -> None:
        if not self._local.get(user_id):
            # Subscribe first: if Redis refuses, nothing local claims the channel.
            await self._subscriptions.subscribe(user_channel(self._prefix, user_id))
        self._local[user_id].append(deliver)

    async def unsubscribe(self, user_id: str, deliver: Deliver) -> None:
        remaining = [d for d in self._local.get(user_id, []) if d != deliver]
        if remaining:
            self._local[user_id] = remaining
            return
        self._local.pop(user_id, None)
        try:
            await self._subscriptions.unsubscribe(user_channel(self._prefix, user_id))
        except (redis.RedisError, OSError) as error:
            # Redis is away: its frames for that user reach no socket here.
            log.debug("unsubscribe of %s failed: %s", user_id, error)

    def _lost(self) -> None:
        """Subscriptions are back after a lost connection: what was published
        meanwhile is gone, so the listeners are told (sockets must sync)."""
        log.warning("fan-out subscriptions restored after a lost connection; sockets must sync")
        for listener in list(self._loss_listeners):
            listener()

    def _dispatch(self, channel: str, data: bytes) -> None:
        if channel == sessions_channel(self._prefix):
            for listener in list(self._session_listeners):
                listener(_text(data))
            return
        user_id = channel.removeprefix(user_channel(self._prefix, ""))
        text = _text(data)
        for deliver in list(self._local.get(user_id, ())):
            deliver(text)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
