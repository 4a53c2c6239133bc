"""The presence sweeper beside the projector: users whose leases all
expired (their edge died) go offline even when no edge is up.

Edges sweep too (``app.edge.sweep_presence``); any number of sweepers may
run at once: the sweep is one atomic Lua script that returns each expired
user to exactly one caller (``infra.redis.presence.SWEEP``), and only that
caller publishes the user's offline change."""

from __future__ import annotations

import asyncio
import logging
import threading

from app.edge import utc_now
from app.settings import Settings
from app.supervise import exit_process
from commands.presence import PresenceService, PresenceSettings
from infra.kafka.publisher import KafkaPublisher
from infra.redis.clients import async_client
from infra.redis.presence import RedisPresenceLeases

log = logging.getLogger(__name__)


def run_presence_sweeper(settings: Settings, stop: threading.Event) -> None:
    asyncio.run(_sweep_until_stopped(settings, stop))


async def _sweep_until_stopped(settings: Settings, stop: threading.Event) -> None:
    redis_client = async_client(settings.redis_url)
    publisher = KafkaPublisher(
        settings.kafka, settings.presence_topic, settings.partitions, on_fatal=exit_process
    )
    publisher.start()
    presence = PresenceService(
        RedisPresenceLeases(redis_client, settings.redis_prefix),
        publisher,
        utc_now,
        PresenceSettings(lease_ttl=settings.presence_ttl_seconds),
    )
    try:
        while not await asyncio.to_thread(stop.wait, presence.settings.sweep_interval):
            try:
                swept = await presence.sweep()
            except Exception as error:  # the next round tries again
                log.warning("presence sweep failed: %s", error)
                continue
            if swept:
                log.info("presence sweep: %d users offline", swept)
    finally:
        await asyncio.to_thread(publisher.close)
        await redis_client.aclose()
