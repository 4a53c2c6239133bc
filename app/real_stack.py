"""The real adapters (Kafka, PostgreSQL, Redis) for each role."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
import redis.asyncio as aioredis

from app.bootstrap import EdgeAdapters
from app.codecs import event_codec, record_cipher
from app.settings import Settings
from app.supervise import exit_process, supervised
from commands.decider import DeciderSettings
from commands.processor import CommandProcessor
from infra.kafka.event_feed import KafkaEventFeed
from infra.kafka.processor_log import KafkaProcessorLog
from infra.kafka.publisher import KafkaCommandPublisher
from infra.kafka.topics import ensure_topics
from infra.postgres.accounts import PostgresAccountStore
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.contacts import PostgresContactDirectory, PostgresContacts
from infra.postgres.queries import PostgresQueries
from infra.postgres.schema import create_schema
from infra.redis.claims import RedisSendClaims
from infra.redis.fanout import RedisFanoutPublisher, RedisFanoutSubscriber
from infra.redis.limits import RedisRateLimiter
from infra.redis.presence import RedisPresenceLeases, RedisPresenceReader, RedisPresenceView
from projections.presence_projector import PresenceProjector
from projections.projector import Projector

log = logging.getLogger(__name__)


def prepare_infrastructure(settings: Settings) -> None:
    """Topics and tables, created if missing (idempotent, safe in parallel)."""
    settings.require_services()
    ensure_topics(settings)
    create_schema(settings.postgres_dsn, settings.pg_schema)


@asynccontextmanager
async def real_edge(settings: Settings) -> AsyncIterator[EdgeAdapters]:
    await asyncio.to_thread(prepare_infrastructure, settings)
    publisher = KafkaCommandPublisher(settings, on_fatal=exit_process)
    publisher.start()
    presence_publisher = KafkaCommandPublisher(
        settings, topic=settings.presence_topic, on_fatal=exit_process
    )
    presence_publisher.start()
    queries = PostgresQueries(settings.postgres_dsn, settings.pg_schema)
    # One pool for the edge's PostgreSQL reads: queries, accounts, contacts.
    accounts = PostgresAccountStore("", settings.pg_schema, pool=queries.pool)
    redis_client = aioredis.from_url(settings.redis_url)
    fanout = RedisFanoutSubscriber(redis_client, settings.redis_prefix)
    try:
        await queries.open()
        await accounts.open()
        await fanout.start()
        yield EdgeAdapters(
            publisher=publisher,
            queries=queries,
            account_store=accounts,
            fanout=fanout,
            claims=RedisSendClaims(redis_client, settings.redis_prefix),
            presence_leases=RedisPresenceLeases(redis_client, settings.redis_prefix),
            presence_publisher=presence_publisher,
            presence_reader=RedisPresenceReader(redis_client, settings.redis_prefix),
            contacts=PostgresContacts(queries.pool, settings.pg_schema),
            rate_limiter=RedisRateLimiter(redis_client, settings.redis_prefix),
        )
    finally:
        await fanout.close()
        await accounts.close()
        await queries.close()
        await asyncio.to_thread(publisher.close)
        await asyncio.to_thread(presence_publisher.close)
        await redis_client.aclose()


def run_processor(settings: Settings, stop: threading.Event) -> None:
    prepare_infrastructure(settings)
    processor_log = KafkaProcessorLog(settings)
    processor = CommandProcessor(
        processor_log,
        event_codec(settings),
        DeciderSettings(settings.max_group_size),
        record_cipher(settings),
    )
    try:
        processor.run(stop)
    finally:
        processor_log.close()


def run_projector(settings: Settings, stop: threading.Event) -> None:
    """The chat projection, with the presence projection in a second thread."""
    prepare_infrastructure(settings)
    presence = supervised("presence projector", run_presence_projector, settings, stop)
    presence.start()
    try:
        run_chat_projector(settings, stop)
    finally:
        stop.set()
        presence.join(timeout=10)


def run_presence_projector(settings: Settings, stop: threading.Event) -> None:
    redis_client = redis.Redis.from_url(settings.redis_url)
    contacts = PostgresContactDirectory(settings.postgres_dsn, settings.pg_schema)
    contacts.open()
    projector = PresenceProjector(
        RedisPresenceView(redis_client, settings.redis_prefix),
        contacts,
        RedisFanoutPublisher(redis_client, settings.redis_prefix),
    )
    feed = KafkaEventFeed(
        settings,
        f"{settings.consumer_group_prefix}-presence",
        projector.start_offset,
        topic=settings.presence_topic,
    )
    try:
        projector.run(feed, stop)
    finally:
        feed.close()
        contacts.close()
        redis_client.close()


def run_chat_projector(settings: Settings, stop: threading.Event) -> None:
    view = PostgresChatView.from_dsn(settings.postgres_dsn, settings.pg_schema)
    redis_client = redis.Redis.from_url(settings.redis_url)
    projector = Projector(
        view,
        RedisFanoutPublisher(redis_client, settings.redis_prefix),
        event_codec(settings),
        settings.events_topic,
    )
    feed = KafkaEventFeed(
        settings, f"{settings.consumer_group_prefix}-projector", projector.start_offset
    )
    try:
        projector.run(feed, stop)
    finally:
        feed.close()
        view.close()
        redis_client.close()
