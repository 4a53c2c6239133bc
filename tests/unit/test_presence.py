"""Presence: the edge service and the projector's cost per change."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from eventsourcing.persistence import Tracking

from commands.presence import PresenceService, PresenceSettings
from domain.conversation import Conversation
from domain.presence import OFFLINE, ONLINE, decode_presence
from domain.records import LogRecord, OutgoingRecord
from infra.memory.chat_view import InMemoryChatView
from infra.memory.contacts import InMemoryContacts
from infra.memory.fanout import InMemoryFanout
from infra.memory.presence import InMemoryPresenceLeases, InMemoryPresenceView
from projections.chat_projection import ChatProjection
from projections.ports import Push
from projections.presence_projector import PresenceProjector

T0 = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.records: list[OutgoingRecord] = []
        self.pushes: list[Push] = []

    async def publish(self, record: OutgoingRecord) -> None:
        self.records.append(record)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def service(clock: Clock, log: Recorder) -> PresenceService:
    return PresenceService(InMemoryPresenceLeases(), log, clock, PresenceSettings(lease_ttl=60))


def statuses(log: Recorder) -> list[str]:
    return [decode_presence(record.value).status for record in log.records]


def test_two_sockets_make_one_online_and_one_offline_event() -> None:
    clock, log = Clock(), Recorder()
    presence = service(clock, log)

    async def steps() -> None:
        await presence.connected("ann", "phone")
        await presence.connected("ann", "laptop")
        await presence.heartbeat("ann", "phone")
        await presence.disconnected("ann", "phone")
        await presence.disconnected("ann", "laptop")

    asyncio.run(steps())
    assert statuses(log) == [ONLINE, OFFLINE]


def test_heartbeats_put_nothing_on_the_log() -> None:
    clock, log = Clock(), Recorder()
    presence = service(clock, log)

    async def steps() -> None:
        await presence.connected("ann", "phone")
        for _ in range(10):
            clock.now += timedelta(seconds=20)
            await presence.heartbeat("ann", "phone")

    asyncio.run(steps())
    assert statuses(log) == [ONLINE]


def test_a_swept_user_goes_offline_no_earlier_than_it_came_online() -> None:
    clock, log = Clock(), Recorder()
    presence = service(clock, log)

    async def steps() -> int:
        await presence.connected("ann", "dead-edge")
        clock.now += timedelta(seconds=61)
        return await presence.sweep()

    assert asyncio.run(steps()) == 1
    online, offline = (decode_presence(record.value) for record in log.records)
    assert offline.status == OFFLINE and offline.moment >= online.moment


def test_one_presence_change_costs_one_push_per_contact_not_per_conversation() -> None:
    view = InMemoryChatView()
    projection = ChatProjection(view, InMemoryFanout())
    contacts = [f"friend{n}" for n in range(3)]
    for offset in range(20):  # ann shares 20 groups with the same three friends
        group = Conversation.create_group(uuid.uuid4(), "ann", f"g{offset}", contacts, T0)
        for event in group.collect_events():
            projection.process_event(event, Tracking("events.p0", offset))
    published: list[Push] = []

    class CountingFanout:
        def publish(self, push: Push) -> None:
            published.append(push)

        def publish_all(self, pushes: Sequence[Push]) -> None:
            for push in pushes:
                self.publish(push)

    projector = PresenceProjector(InMemoryPresenceView(), InMemoryContacts(view), CountingFanout())
    log = Recorder()
    asyncio.run(service(Clock(), log).connected("ann", "phone"))
    [record] = log.records
    projector.project(LogRecord(0, 0, record.key, record.value, record.headers))
    assert len(published) == 1
    assert sorted(published[0].user_ids) == contacts


def test_a_change_the_log_refused_is_published_by_the_next_sweep() -> None:
    clock, log = Clock(), Recorder()
    refusing = [True]

    class Flaky:
        async def publish(self, record: OutgoingRecord) -> None:
            if refusing[0]:
                raise ConnectionError("broker failing over")
            await log.publish(record)

    presence = PresenceService(InMemoryPresenceLeases(), Flaky(), clock, PresenceSettings(60))

    async def steps() -> None:
        await presence.connected("ann", "phone")
        await presence.disconnected("ann", "phone")
        refusing[0] = False
        await presence.sweep()

    asyncio.run(steps())
    assert statuses(log) == [ONLINE, OFFLINE]
