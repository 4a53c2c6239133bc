"""On Redis Cluster, a user's fan-out channel follows its slot: after a
manual failover (the master becomes a replica, as in a rolling upgrade)
Redis ends the edge's subscription there; the edge subscribes on the new
master and says pushes were lost (sockets sync)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import redis
import redis.cluster

from infra.redis.clients import async_client, sync_client
from infra.redis.fanout import RedisFanoutPublisher, RedisFanoutSubscriber
from infra.redis.keys import user_channel
from projections.ports import Push

pytestmark = pytest.mark.redis_cluster


async def received_after_publishing(
    publisher: RedisFanoutPublisher, push: Push, queue: asyncio.Queue[str], seconds: float
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.to_thread(publisher.publish, push)
        try:
            frame: dict[str, Any] = json.loads(await asyncio.wait_for(queue.get(), 0.1))
            return frame
        except TimeoutError:
            continue
    raise TimeoutError("never received")


def fail_over_master_of(url: str, key: str, timeout: float = 60.0) -> int:
    """CLUSTER FAILOVER on a replica of the key's master; its port once it
    is master and the cluster is ok."""
    cluster = sync_client(url)
    assert isinstance(cluster, redis.cluster.RedisCluster)
    try:
        master = cluster.get_node_from_key(key)  # type: ignore[no-untyped-call]
    finally:
        cluster.close()
    nodes: dict[str, dict[str, Any]] = redis.Redis(port=master.port).cluster("NODES")
    master_id = nodes[master.name]["node_id"]
    replica_port = next(
        int(address.rsplit(":", 1)[1])
        for address, node in nodes.items()
        if node["master_id"] == master_id and node["connected"]
    )
    replica = redis.Redis(port=replica_port)
    replica.execute_command("CLUSTER FAILOVER")  # type: ignore[no-untyped-call]
    deadline = time.monotonic() + timeout
    while not (
        replica.info("replication")["role"] == "master"
        and replica.cluster("INFO")["cluster_state"] == "ok"
    ):
        assert time.monotonic() < deadline, "the manual failover did not complete"
        time.sleep(0.1)
    return replica_port


def test_a_manual_failover_moves_the_channel_to_the_new_master_and_tells_the_edge(
    redis_cluster_url: str, unique_name: str
) -> None:
    prefix = f"{unique_name}:"

    async def scenario() -> None:
        publishing = sync_client(redis_cluster_url)
        subscribing = async_client(redis_cluster_url)
        subscriber = RedisFanoutSubscriber(subscribing, prefix)
        publisher = RedisFanoutPublisher(publishing, prefix)
        lost = asyncio.Event()
        subscriber.on_pushes_lost(lost.set)
        await subscriber.start()
        try:
            frames: asyncio.Queue[str] = asyncio.Queue()
            await subscriber.subscribe("alice", frames.put_nowait)
            before = Push(("alice",), {"type": "message", "seq": 1})
            assert (await received_after_publishing(publisher, before, frames, 10))["seq"] == 1
            channel = user_channel(prefix, "alice")
            await asyncio.to_thread(fail_over_master_of, redis_cluster_url, channel)
            await asyncio.wait_for(lost.wait(), 30)
            after = Push(("alice",), {"type": "message", "seq": 2})
            assert (await received_after_publishing(publisher, after, frames, 30))["seq"] == 2
        finally:
            await subscriber.close()
            await subscribing.aclose()
            publishing.close()

    asyncio.run(scenario())
