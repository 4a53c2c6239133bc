"""The embedded default: every role in one process on in-memory adapters."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.codecs import event_codec, record_cipher, snapshot_codec
from app.edge import EdgeAdapters, utc_now
from app.media import MediaAdapters, blob_store
from app.metrics import process_metrics
from app.notifier import (
    delivery_settings,
    notifier_threads,
    notify_policy,
    push_options,
    push_transports,
    vapid_keys,
)
from app.settings import Settings
from app.supervise import supervised
from commands.decider import DeciderSettings
from commands.processor import CommandProcessor
from commands.snapshots import Snapshotter
from domain.records import EVENTS_LOG
from infra.memory.accounts import InMemoryAccountStore
from infra.memory.admission import InMemorySendAdmission
from infra.memory.audit_trail import InMemoryAuditTrail
from infra.memory.chat_view import InMemoryChatView
from infra.memory.contacts import InMemoryContacts
from infra.memory.dead_letters import InMemoryDeadLetters
from infra.memory.edges import InMemoryEdgeRegistry
from infra.memory.fanout import InMemoryFanout
from infra.memory.friends import InMemoryFriends
from infra.memory.limits import InMemoryRateLimiter
from infra.memory.log import (
    InMemoryEventFeed,
    InMemoryLog,
    InMemoryProcessorLog,
    InMemoryPublisher,
)
from infra.memory.media_catalog import InMemoryMediaCatalog
from infra.memory.notifications import InMemoryNotifications
from infra.memory.notify_reads import InMemoryOnlineStatus, InMemoryUnreadCounter
from infra.memory.presence import InMemoryPresenceLeases, InMemoryPresenceView
from infra.memory.queries import InMemoryQueries
from infra.memory.search import InMemorySearch
from infra.memory.snapshots import InMemorySnapshotStore
from projections.audit_projection import AuditProjector
from projections.friends_projector import FriendsProjector
from projections.notifier import Notifier
from projections.presence_audience import PresenceAudience
from projections.presence_projector import PresenceProjector
from projections.projector import Projector
from projections.push_delivery import PushDelivery
from projections.push_metrics import MeasuredFanout

EMBEDDED_LOG_ID = "embedded"
"""The in-memory log lives and dies with its snapshots: one identity will do."""
NOT_DURABLE_WARNING = (
    "EMBEDDED MODE: no Kafka, PostgreSQL or Redis configured; everything lives in this "
    "process's memory and is lost when it stops. NOTHING IS DURABLE. "
    "Set CHAT_KAFKA_BOOTSTRAP, CHAT_POSTGRES_DSN and CHAT_REDIS_URL for the real stack."
)


@asynccontextmanager
async def embedded_edge(settings: Settings) -> AsyncIterator[EdgeAdapters]:
    log = InMemoryLog(
        {
            topic: settings.partitions
            for topic in (
                settings.commands_topic,
                settings.events_topic,
                settings.presence_topic,
                settings.parked_topic,
            )
        }
    )
    view = InMemoryChatView()
    fanout = InMemoryFanout()
    codec = event_codec(settings)
    processor = CommandProcessor(
        InMemoryProcessorLog(
            log,
            settings.commands_topic,
            settings.events_topic,
            parked_topic=settings.parked_topic,
        ),
        codec,
        DeciderSettings(settings.max_group_size),
        record_cipher(settings),
        snapshots=Snapshotter(
            InMemorySnapshotStore(settings.partitions, EMBEDDED_LOG_ID),
            snapshot_codec(settings),
            settings.snapshots,
        ),
        metrics=process_metrics(),
    )
    dead_letters = InMemoryDeadLetters(log, settings.parked_topic)
    measured = MeasuredFanout(fanout, process_metrics(), utc_now)
    projector = Projector(
        view,
        measured,
        codec,
        settings.events_topic,
        dead_letters,
        on_parked=lambda: process_metrics().parked(EVENTS_LOG),
    )
    feed = InMemoryEventFeed(log, settings.events_topic, projector.start_offset)
    contacts = InMemoryContacts(view)
    accounts = InMemoryAccountStore()
    friends = InMemoryFriends(accounts)
    friends_projector = FriendsProjector(friends, fanout, codec, settings.events_topic)
    friends_feed = InMemoryEventFeed(log, settings.events_topic, friends_projector.start_offset)
    presence_view = InMemoryPresenceView()
    presence_projector = PresenceProjector(
        presence_view, PresenceAudience(contacts, friends), fanout
    )
    presence_feed = InMemoryEventFeed(log, settings.presence_topic, presence_projector.start_offset)
    notifications = InMemoryNotifications()
    keys = vapid_keys(settings, ephemeral=True)
    transports = push_transports(settings, keys)
    delivery = PushDelivery(
        notifications,
        transports,
        InMemoryUnreadCounter(view),
        delivery_settings(settings),
        utc_now,
    )
    notifier = Notifier(
        notifications,
        InMemoryOnlineStatus(presence_view),
        codec,
        settings.events_topic,
        notify_policy(settings),
        utc_now,
        delivery.wake,
    )
    notifier_feed = InMemoryEventFeed(log, settings.events_topic, notifier.start_offset)
    audit_trail = InMemoryAuditTrail()
    audit = AuditProjector(audit_trail, codec, settings.events_topic)
    audit_feed = InMemoryEventFeed(log, settings.events_topic, audit.start_offset)
    stop = threading.Event()
    threads = [
        supervised("processor", processor.run, stop),
        supervised("projector", projector.run, feed, stop),
        supervised("presence", presence_projector.run, presence_feed, stop),
        supervised("friends", friends_projector.run, friends_feed, stop),
        supervised("audit", audit.run, audit_feed, stop),
        *notifier_threads(notifier, notifier_feed, delivery, transports, stop),
    ]
    queries = InMemoryQueries(view)
    media = MediaAdapters(await blob_store(settings), InMemoryMediaCatalog(), queries)
    for thread in threads:
        thread.start()
    try:
        yield EdgeAdapters(
            commands=InMemoryPublisher(log, settings.commands_topic),
            queries=queries,
            account_store=accounts,
            fanout=fanout,
            admission=InMemorySendAdmission(
                unconfirmed_seconds=settings.claims_unconfirmed_seconds
            ),
            presence_leases=InMemoryPresenceLeases(),
            presence_changes=InMemoryPublisher(log, settings.presence_topic),
            presence_reader=presence_view,
            contacts=contacts,
            rate_limiter=InMemoryRateLimiter(),
            devices=notifications,
            decisions=notifications,
            push=push_options(settings, keys),
            friends=friends,
            audit=audit_trail,
            edges=InMemoryEdgeRegistry(),
            search=InMemorySearch(view),
            media=media,
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
