"""The processor's snapshot store: in memory and in PostgreSQL alike."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from commands.snapshots import PartitionSnapshots, SnapshotStore, StoredSnapshot
from infra.memory.snapshots import InMemorySnapshotStore, SnapshotTables
from infra.postgres.schema import create_schema
from infra.postgres.snapshots import PostgresSnapshotStore
from tests.support.postgres import drop_schema

PARTITIONS = 4
EVENTS = "events-topic-1"  # the identity of the chat.events topic the marks are offsets of


class Stores:
    """Makes stores that share what they hold (processes on one database)."""

    def __init__(self, kind: str, dsn: str, schema: str) -> None:
        self.kind, self.dsn, self.schema = kind, dsn, schema
        self._tables = SnapshotTables()
        self._opened: list[PostgresSnapshotStore] = []

    def store(self, partitions: int = PARTITIONS, log_id: str = EVENTS) -> SnapshotStore:
        if self.kind == "memory":
            return InMemorySnapshotStore(partitions, log_id, self._tables)
        opened = PostgresSnapshotStore.from_dsn(self.dsn, self.schema, partitions, log_id)
        self._opened.append(opened)
        return opened

    def close(self) -> None:
        for opened in self._opened:
            opened.close()


@pytest.fixture(params=["memory", "postgres"])
def stores(request: pytest.FixtureRequest, postgres_dsn: str, unique_name: str) -> Iterator[Stores]:
    schema = unique_name.replace("-", "_")
    if request.param == "postgres":
        create_schema(postgres_dsn, schema)
        create_schema(postgres_dsn, schema)  # a second role starting: nothing to add
    made = Stores(request.param, postgres_dsn, schema)
    try:
        yield made
    finally:
        made.close()
        if request.param == "postgres":
            drop_schema(postgres_dsn, schema)


def snapshot(conversation_id: uuid.UUID, version: int) -> StoredSnapshot:
    return StoredSnapshot(conversation_id, version, f"state {version}".encode())


def versions(loaded: PartitionSnapshots) -> dict[uuid.UUID, int]:
    return {s.conversation_id: s.version for s in loaded.snapshots}


def test_a_partition_never_marked_has_no_snapshots_to_restore_from(stores: Stores) -> None:
    store = stores.store()
    store.save(1, [snapshot(uuid.uuid4(), 3)])
    assert store.load(1) == PartitionSnapshots(None)


def test_a_marked_partition_gives_its_mark_and_its_snapshots_only(stores: Stores) -> None:
    store = stores.store()
    mine, other = uuid.uuid4(), uuid.uuid4()
    store.save(1, [snapshot(mine, 3)])
    store.save(2, [snapshot(other, 5)])
    store.mark(1, 120)
    loaded = store.load(1)
    assert (loaded.mark, versions(loaded)) == (120, {mine: 3})
    assert loaded.snapshots[0].state == b"state 3"


def test_an_older_snapshot_never_replaces_a_newer_one(stores: Stores) -> None:
    store = stores.store()
    conversation = uuid.uuid4()
    store.save(0, [snapshot(conversation, 9)])
    store.save(0, [snapshot(conversation, 4)])  # a late writer (a zombie)
    store.mark(0, 10)
    assert versions(store.load(0)) == {conversation: 9}


def test_a_newer_snapshot_replaces_the_older_one(stores: Stores) -> None:
    store = stores.store()
    conversation = uuid.uuid4()
    store.save(0, [snapshot(conversation, 4)])
    store.save(0, [snapshot(conversation, 9)])
    store.mark(0, 10)
    assert versions(store.load(0)) == {conversation: 9}


def test_a_lower_mark_never_replaces_a_higher_one(stores: Stores) -> None:
    store = stores.store()
    store.mark(3, 500)
    store.mark(3, 200)
    assert store.load(3).mark == 500


def test_a_mark_taken_with_another_partition_count_is_not_used(stores: Stores) -> None:
    stores.store(partitions=PARTITIONS).mark(0, 500)
    assert stores.store(partitions=PARTITIONS * 2).load(0) == PartitionSnapshots(None)


def test_a_mark_and_snapshots_of_another_topic_are_not_used(stores: Stores) -> None:
    old = stores.store(log_id="the topic before")
    old.save(0, [snapshot(uuid.uuid4(), 7)])
    old.mark(0, 500)
    assert stores.store(log_id="the topic created again").load(0) == PartitionSnapshots(None)


def test_the_recreated_topics_lower_versions_and_mark_replace_the_old_topics(
    stores: Stores,
) -> None:
    conversation = uuid.uuid4()
    old = stores.store(log_id="the topic before")
    old.save(0, [snapshot(conversation, 7)])
    old.mark(0, 500)
    new = stores.store(log_id="the topic created again")
    new.save(0, [snapshot(conversation, 2)])
    new.mark(0, 30)
    loaded = new.load(0)
    assert (loaded.mark, versions(loaded)) == (30, {conversation: 2})
    assert old.load(0) == PartitionSnapshots(None)
