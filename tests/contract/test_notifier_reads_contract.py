"""What the notifier reads from the other read models: who is online (the
presence view: memory and Redis) and the badge (the chat view: memory and
PostgreSQL) agree between backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from domain.presence import OFFLINE, ONLINE, PresenceChanged
from infra.memory.chat_view import InMemoryChatView
from infra.memory.notify_reads import InMemoryOnlineStatus, InMemoryUnreadCounter
from infra.memory.presence import InMemoryPresenceView
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.schema import create_schema
from infra.postgres.unread import PostgresUnreadCounter
from infra.redis.clients import sync_client
from infra.redis.online import RedisOnlineStatus
from infra.redis.presence import RedisPresenceView
from projections.delivery_ports import UnreadCounter
from projections.notification_ports import OnlineStatus
from projections.ports import ChatView, PresenceView
from tests.contract.read_model_fixtures import Feed
from tests.contract.redis_targets import WITH_MEMORY, url_for
from tests.support.postgres import drop_schema


@dataclass
class Presence:
    view: PresenceView
    online: OnlineStatus
    offsets: Iterator[int]

    def change(self, user_id: str, status: str, at: str) -> None:
        self.view.apply(PresenceChanged(user_id, status, at), 0, next(self.offsets))


@pytest.fixture(params=WITH_MEMORY)
def presence(request: pytest.FixtureRequest, unique_name: str) -> Presence:
    if request.param == "memory":
        view = InMemoryPresenceView()
        return Presence(view, InMemoryOnlineStatus(view), iter(range(1000)))
    client = sync_client(url_for(request, request.param))
    prefix = f"{unique_name}:"
    return Presence(
        RedisPresenceView(client, prefix), RedisOnlineStatus(client, prefix), iter(range(1000))
    )


def test_only_users_whose_last_change_is_online_are_online(presence: Presence) -> None:
    presence.change("ann", ONLINE, "2026-05-01T12:00:00+00:00")
    presence.change("ben", ONLINE, "2026-05-01T12:00:00+00:00")
    presence.change("ben", OFFLINE, "2026-05-01T12:00:05+00:00")
    assert presence.online.online(["ann", "ben", "cat"]) == frozenset({"ann"})


def test_nobody_asked_about_is_online(presence: Presence) -> None:
    assert presence.online.online([]) == frozenset()


@dataclass
class Chat:
    feed: Feed
    unread: UnreadCounter


@pytest.fixture(params=["memory", "postgres"])
def chat(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Chat]:
    if request.param == "memory":
        memory = InMemoryChatView()
        yield Chat(Feed(memory), InMemoryUnreadCounter(memory))
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    create_schema(postgres_dsn, schema)
    view: ChatView = PostgresChatView.from_dsn(postgres_dsn, schema)
    counter = PostgresUnreadCounter.from_dsn(postgres_dsn, schema)
    try:
        yield Chat(Feed(view), counter)
    finally:
        counter.close()
        view.close()  # type: ignore[attr-defined]
        drop_schema(postgres_dsn, schema)


def test_the_badge_counts_unread_messages_from_others_in_every_conversation(chat: Chat) -> None:
    direct = chat.feed.direct("ann", "ben")
    group = chat.feed.group("cat", ["ann", "ben"])
    chat.feed.post(direct, "ben")
    chat.feed.post(direct, "ann")
    chat.feed.post(group, "cat")
    chat.feed.post(group, "cat")
    assert [chat.unread.unread_total(user) for user in ("ann", "ben", "dan")] == [3, 3, 0]


def test_reading_lowers_the_badge(chat: Chat) -> None:
    direct = chat.feed.direct("ann", "ben")
    for _ in range(3):
        chat.feed.post(direct, "ben")
    chat.feed.read(direct, "ann", 2)
    assert chat.unread.unread_total("ann") == 1
