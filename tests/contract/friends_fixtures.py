"""The friends read models, in memory and in PostgreSQL, for the contract
suite: one object per backend holding the view the projection writes, the
queries the edge reads, the graph the presence projector reads, and an
account store for the users they name."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from eventsourcing.persistence import Tracking

from commands.accounts import AccountStore, User
from domain.conversation import direct_conversation_id
from infra.memory.accounts import InMemoryAccountStore
from infra.memory.friends import InMemoryFriends
from infra.postgres.accounts import PostgresAccountStore
from infra.postgres.friend_graph import PostgresFriendGraph
from infra.postgres.friends_queries import PostgresFriendQueries
from infra.postgres.friends_view import PostgresFriendsView
from infra.postgres.pool import async_pool
from infra.postgres.schema import create_schema
from projections.friends_ports import FriendGraph, FriendsView
from tests.support.postgres import drop_schema

T = TypeVar("T")
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
BACKENDS = ["memory", "postgres"]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class Friends:
    view: FriendsView
    queries: Any  # FriendQueries and commands.blocks.Blocks
    graph: FriendGraph
    accounts: AccountStore
    runner: asyncio.Runner
    positions: Iterator[int]

    def run(self, call: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(call)

    def tracking(self) -> Tracking:
        return Tracking("chat.events.p0", next(self.positions))

    def users(self, *handles: str) -> None:
        for handle in handles:
            self.run(self.accounts.add_user(User(handle, handle, handle.title()), "hash"))

    def befriend(self, user_id: str, other_id: str, when: datetime = T0) -> None:
        self.view.friend_requested(user_id, other_id, when, self.tracking())
        self.view.friends_made(other_id, user_id, when, self.tracking())

    def start_direct(self, user_id: str, other_id: str) -> str:
        conversation_id = str(direct_conversation_id(user_id, other_id))
        self.view.direct_started(conversation_id, [user_id, other_id], self.tracking())
        return conversation_id

    def chat(self, conversation_id: str, when: datetime) -> None:
        self.view.chatted(conversation_id, when, self.tracking())

    def block(self, user_id: str, other_id: str, when: datetime = T0) -> None:
        self.view.user_blocked(user_id, other_id, when, self.tracking())

    def friend_ids(self, user_id: str) -> list[str]:
        return [row["user_id"] for row in self.run(self.queries.friends(user_id))]

    def handles(self, rows: list[dict[str, Any]]) -> list[str]:
        return [row["handle"] for row in rows]


def open_friends(kind: str, dsn: str) -> Iterator[Friends]:
    runner = asyncio.Runner()
    positions = itertools.count()
    if kind == "memory":
        accounts = InMemoryAccountStore()
        memory = InMemoryFriends(accounts)
        yield Friends(memory, memory, memory, accounts, runner, positions)
        runner.close()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    create_schema(dsn, schema)
    pool = async_pool(dsn)
    runner.run(pool.open(wait=True))
    view = PostgresFriendsView.from_dsn(dsn, schema)
    graph = PostgresFriendGraph(dsn, schema)
    graph.open()
    accounts_store = PostgresAccountStore("", schema, pool=pool)
    try:
        yield Friends(
            view,
            PostgresFriendQueries(pool, schema),
            graph,
            accounts_store,
            runner,
            positions,
        )
    finally:
        runner.run(pool.close())
        runner.close()
        view.close()
        graph.close()
        drop_schema(dsn, schema)
