"""The real adapters (Kafka, PostgreSQL, Redis) for each role."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

from app.codecs import event_codec, record_cipher, snapshot_codec
from app.edge import EdgeAdapters, utc_now
from app.health import PROBE_TIMEOUT_SECONDS, process_health
from app.media import MediaAdapters, blob_store
from app.metrics import process_metrics
from app.notifier import (
    delivery_settings,
    notify_policy,
    push_options,
    push_transports,
    run_delivery,
    vapid_keys,
)
from app.settings import Settings
from app.supervise import exit_process, supervised, watch
from app.sweeper import run_presence_sweeper
from commands.decider import DeciderSettings
from commands.liveness import Liveness
from commands.processor import CommandProcessor
from commands.snapshot_metrics import MeasuredSnapshotStore
from commands.snapshots import Snapshotter
from domain.records import EVENTS_LOG
from infra.kafka.dead_letters import KafkaDeadLetters
from infra.kafka.event_feed import KafkaEventFeed
from infra.kafka.probe import KafkaProbe
from infra.kafka.processor_log import KafkaProcessorLog, transactional_id
from infra.kafka.publisher import KafkaPublisher
from infra.kafka.topics import chat_topics, ensure_topics, topic_id
from infra.postgres.accounts import PostgresAccountStore
from infra.postgres.audit_trail import PostgresAuditQueries, PostgresAuditView
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.contacts import PostgresContactDirectory, PostgresContacts
from infra.postgres.delivery_queue import PostgresDeliveryQueue
from infra.postgres.devices import PostgresDeviceStore
from infra.postgres.friend_graph import PostgresFriendGraph
from infra.postgres.friends_queries import PostgresFriendQueries
from infra.postgres.friends_view import PostgresFriendsView
from infra.postgres.media_catalog import PostgresMediaCatalog
from infra.postgres.notifier_view import PostgresNotifierView
from infra.postgres.probe import ping_pool, ping_postgres
from infra.postgres.queries import PostgresQueries
from infra.postgres.schema import create_schema
from infra.postgres.search import PostgresSearch
from infra.postgres.snapshots import PostgresSnapshotStore
from infra.postgres.unread import PostgresUnreadCounter
from infra.redis.admission import RedisSendAdmission
from infra.redis.clients import async_client, sync_client
from infra.redis.edges import RedisEdgeRegistry
from infra.redis.fanout import RedisFanoutSubscriber
from infra.redis.fanout_mode import fanout_publisher, fanout_subscriber
from infra.redis.limits import RedisRateLimiter
from infra.redis.online import RedisOnlineStatus
from infra.redis.presence import RedisPresenceLeases, RedisPresenceReader, RedisPresenceView
from infra.redis.probe import ping_redis
from projections.audit_projection import AuditProjector
from projections.friends_projector import FriendsProjector
from projections.notifier import Notifier
from projections.presence_audience import PresenceAudience
from projections.presence_projector import PresenceProjector
from projections.projector import Projector
from projections.push_delivery import PushDelivery
from projections.push_metrics import MeasuredFanout

log = logging.getLogger(__name__)


def role_probes(settings: Settings, role: str) -> dict[str, Callable[[], None]]:
    """What a role's ``/readyz`` checks: Kafka metadata of the topic it
    consumes, and the PostgreSQL and Redis it writes to (the processor uses
    neither)."""
    topic = settings.commands_topic if role == "processor" else settings.events_topic
    kafka = KafkaProbe(settings.kafka, topic)
    probes: dict[str, Callable[[], None]] = {"kafka": lambda: kafka.check(PROBE_TIMEOUT_SECONDS)}
    if role != "processor":
        probes["postgres"] = lambda: ping_postgres(settings.postgres_dsn, PROBE_TIMEOUT_SECONDS)
        probes["redis"] = lambda: ping_redis(settings.redis_url, PROBE_TIMEOUT_SECONDS)
    return probes


def _lag_listener(group: str, topic: str) -> Callable[[Mapping[int, int]], None]:
    return process_health().lag_listener(group, topic, process_metrics())


def _watch(liveness: Liveness, stop: threading.Event) -> None:
    """The watchdog, and ``/healthz`` reads the same liveness."""
    process_health().watch_loop(liveness)
    watch(liveness, stop)


def prepare_infrastructure(settings: Settings) -> None:
    """Topics and tables, created if missing (idempotent, safe in parallel)."""
    settings.require_services()
    topics = chat_topics(
        settings.commands_topic,
        settings.events_topic,
        settings.presence_topic,
        parked=settings.parked_topic,
    )
    ensure_topics(
        settings.kafka,
        topics,
        settings.partitions,
        settings.replication_factor,
        min_insync=settings.min_insync_replicas or None,
    )
    create_schema(settings.postgres_dsn, settings.pg_schema, settings.search_language)


def _publisher(settings: Settings, topic: str) -> KafkaPublisher:
    """A started publisher whose fatal error stops the process."""
    publisher = KafkaPublisher(settings.kafka, topic, settings.partitions, on_fatal=exit_process)
    publisher.start()
    return publisher


@asynccontextmanager
async def real_edge(settings: Settings) -> AsyncIterator[EdgeAdapters]:
    await asyncio.to_thread(prepare_infrastructure, settings)
    commands = _publisher(settings, settings.commands_topic)
    presence = _publisher(settings, settings.presence_topic)
    # Reads that may lag (read models: history, inbox, search, friends,
    # audit) go to CHAT_POSTGRES_READ_DSN; what the edge writes and reads
    # back at once (accounts, sessions, devices, media) to the primary.
    queries = PostgresQueries(settings.read_dsn, settings.pg_schema)
    shared = queries.pool if settings.read_dsn == settings.postgres_dsn else None
    accounts = PostgresAccountStore(settings.postgres_dsn, settings.pg_schema, pool=shared)
    devices = PostgresDeviceStore("", settings.pg_schema, pool=accounts.pool)
    redis_client = async_client(settings.redis_url)
    fanout = fanout_subscriber(
        settings.fanout_mode, redis_client, settings.redis_prefix, settings.edge_id
    )
    try:
        await queries.open()
        await accounts.open()
        await fanout.start()
        catalog = PostgresMediaCatalog("", settings.pg_schema, pool=accounts.pool)
        media = MediaAdapters(await blob_store(settings), catalog, queries)
        yield EdgeAdapters(
            commands=commands,
            queries=queries,
            account_store=accounts,
            fanout=fanout,
            admission=RedisSendAdmission(
                redis_client, settings.redis_prefix, settings.claims_unconfirmed_seconds
            ),
            presence_leases=RedisPresenceLeases(redis_client, settings.redis_prefix),
            presence_changes=presence,
            presence_reader=RedisPresenceReader(redis_client, settings.redis_prefix),
            contacts=PostgresContacts(queries.pool, settings.pg_schema),
            rate_limiter=RedisRateLimiter(redis_client, settings.redis_prefix),
            devices=devices,
            decisions=devices,
            push=push_options(settings, vapid_keys(settings)),
            friends=PostgresFriendQueries(queries.pool, settings.pg_schema),
            audit=PostgresAuditQueries("", settings.pg_schema, pool=queries.pool),
            edges=RedisEdgeRegistry(redis_client, settings.redis_prefix),
            probes=_edge_probes(commands, fanout, queries, accounts),
            search=PostgresSearch(
                "", settings.pg_schema, settings.search_language, pool=queries.pool
            ),
            media=media,
        )
    finally:
        await fanout.close()
        await accounts.close()
        await queries.close()
        await asyncio.to_thread(commands.close)
        await asyncio.to_thread(presence.close)
        await redis_client.aclose()


def _edge_probes(
    commands: KafkaPublisher,
    fanout: RedisFanoutSubscriber,
    queries: PostgresQueries,
    accounts: PostgresAccountStore,
) -> dict[str, Callable[[], Awaitable[None]]]:
    """The edge is ready when its producer, its fan-out and its pools work."""

    async def postgres() -> None:
        await ping_pool(accounts.pool, PROBE_TIMEOUT_SECONDS)
        if queries.pool is not accounts.pool:
            await ping_pool(queries.pool, PROBE_TIMEOUT_SECONDS)

    return {
        "kafka": lambda: asyncio.to_thread(commands.check, PROBE_TIMEOUT_SECONDS),
        "redis": fanout.check,
        "postgres": postgres,
    }


def run_processor(settings: Settings, stop: threading.Event) -> None:
    prepare_infrastructure(settings)
    processor_log = KafkaProcessorLog(
        settings.kafka,
        settings.commands_topic,
        settings.events_topic,
        settings.group("processor"),
        # Transactional ids are per cluster, not per group: the topic prefix
        # keeps two deployments on one cluster apart.
        transactional_id(
            f"{settings.topic_prefix}{settings.group('processor')}", settings.processor_id
        ),
        stop,
        settings.processor_max_poll_interval_ms,
        parked_topic=settings.parked_topic,
        on_lag=_lag_listener(settings.group("processor"), settings.commands_topic),
    )
    store = PostgresSnapshotStore.from_dsn(
        settings.postgres_dsn,
        settings.pg_schema,
        settings.partitions,
        topic_id(settings.kafka, settings.events_topic),  # marks are its offsets
    )
    processor = CommandProcessor(
        processor_log,
        event_codec(settings),
        DeciderSettings(settings.max_group_size),
        record_cipher(settings),
        snapshots=Snapshotter(
            MeasuredSnapshotStore(store, process_metrics()),
            snapshot_codec(settings),
            settings.snapshots,
        ),
        metrics=process_metrics(),
    )
    _watch(processor.liveness, stop)
    try:
        processor.run(stop)
    finally:
        processor_log.close()
        store.close()


def run_projector(settings: Settings, stop: threading.Event) -> None:
    """The chat projection, with the presence and the audit projections
    and the presence sweeper (app.sweeper) in threads of their own."""
    prepare_infrastructure(settings)
    presence = supervised("presence projector", run_presence_projector, settings, stop)
    audit = supervised("audit projector", run_audit_projector, settings, stop)
    presence.start()
    audit.start()
    sweeper = supervised("presence sweeper", run_presence_sweeper, settings, stop)
    sweeper.start()
    try:
        run_chat_projector(settings, stop)
    finally:
        stop.set()
        presence.join(timeout=10)
        audit.join(timeout=10)
        sweeper.join(timeout=10)


def run_audit_projector(settings: Settings, stop: threading.Event) -> None:
    """chat.events -> the audit trail and the auditors (docs/audit.md)."""
    view = PostgresAuditView(settings.postgres_dsn, settings.pg_schema)
    projector = AuditProjector(view, event_codec(settings), settings.events_topic)
    feed = KafkaEventFeed(
        settings.kafka, settings.events_topic, settings.group("audit"), projector.start_offset
    )
    watch(projector.liveness, stop)
    try:
        projector.run(feed, stop)
    finally:
        feed.close()
        view.close()


def run_presence_projector(settings: Settings, stop: threading.Event) -> None:
    redis_client = sync_client(settings.redis_url)
    contacts = PostgresContactDirectory(settings.postgres_dsn, settings.pg_schema)
    contacts.open()
    graph = PostgresFriendGraph(settings.postgres_dsn, settings.pg_schema)
    graph.open()
    projector = PresenceProjector(
        RedisPresenceView(redis_client, settings.redis_prefix),
        PresenceAudience(contacts, graph),
        fanout_publisher(settings.fanout_mode, redis_client, settings.redis_prefix),
    )
    group = settings.group("presence")
    feed = KafkaEventFeed(
        settings.kafka,
        settings.presence_topic,
        group,
        projector.start_offset,
        _lag_listener(group, settings.presence_topic),
    )
    _watch(projector.liveness, stop)
    try:
        projector.run(feed, stop)
    finally:
        feed.close()
        contacts.close()
        graph.close()
        redis_client.close()


def run_chat_projector(settings: Settings, stop: threading.Event) -> None:
    view = PostgresChatView.from_dsn(settings.postgres_dsn, settings.pg_schema)
    redis_client = sync_client(settings.redis_url)
    dead_letters = KafkaDeadLetters(settings.kafka, settings.parked_topic, settings.partitions)
    projector = Projector(
        view,
        MeasuredFanout(
            fanout_publisher(settings.fanout_mode, redis_client, settings.redis_prefix),
            process_metrics(),
            utc_now,
        ),
        event_codec(settings),
        settings.events_topic,
        dead_letters,
        on_parked=lambda: process_metrics().parked(EVENTS_LOG),
    )
    group = settings.group("projector")
    feed = KafkaEventFeed(
        settings.kafka,
        settings.events_topic,
        group,
        projector.start_offset,
        _lag_listener(group, settings.events_topic),
    )
    _watch(projector.liveness, stop)
    try:
        projector.run(feed, stop)
    finally:
        feed.close()
        dead_letters.close()
        view.close()
        redis_client.close()


def run_friends_projector(settings: Settings, stop: threading.Event) -> None:
    """chat.events -> friends, requests, blocks (PostgreSQL) -> ``friend`` pushes."""
    prepare_infrastructure(settings)
    view = PostgresFriendsView.from_dsn(settings.postgres_dsn, settings.pg_schema)
    redis_client = sync_client(settings.redis_url)
    projector = FriendsProjector(
        view,
        fanout_publisher(settings.fanout_mode, redis_client, settings.redis_prefix),
        event_codec(settings),
        settings.events_topic,
    )
    group = settings.group("friends")
    feed = KafkaEventFeed(
        settings.kafka,
        settings.events_topic,
        group,
        projector.start_offset,
        _lag_listener(group, settings.events_topic),
    )
    _watch(projector.liveness, stop)
    try:
        projector.run(feed, stop)
    finally:
        feed.close()
        view.close()
        redis_client.close()


def run_notifier(settings: Settings, stop: threading.Event) -> None:
    """chat.events -> decisions and pending pushes (PostgreSQL) -> push services."""
    prepare_infrastructure(settings)
    keys = vapid_keys(settings)
    transports = push_transports(settings, keys)
    queue = PostgresDeliveryQueue.from_dsn(settings.postgres_dsn, settings.pg_schema)
    unread = PostgresUnreadCounter.from_dsn(settings.postgres_dsn, settings.pg_schema)
    view = PostgresNotifierView.from_dsn(settings.postgres_dsn, settings.pg_schema)
    redis_client = sync_client(settings.redis_url)
    delivery = PushDelivery(queue, transports, unread, delivery_settings(settings), utc_now)
    notifier = Notifier(
        view,
        RedisOnlineStatus(redis_client, settings.redis_prefix),
        event_codec(settings),
        settings.events_topic,
        notify_policy(settings),
        utc_now,
        delivery.wake,
    )
    group = settings.group("notifier")
    feed = KafkaEventFeed(
        settings.kafka,
        settings.events_topic,
        group,
        notifier.start_offset,
        _lag_listener(group, settings.events_topic),
    )
    sender = supervised("push delivery", run_delivery, delivery, transports, stop)
    sender.start()
    _watch(notifier.liveness, stop)
    try:
        notifier.run(feed, stop)
    finally:
        stop.set()
        sender.join(timeout=10)
        feed.close()
        for closable in (view, queue, unread):
            closable.close()
        redis_client.close()
