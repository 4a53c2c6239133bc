"""Snapshots of the processor's conversations, so that taking a partition
over costs its conversations, not its whole history.

A round, per partition, starts once enough events were committed since the
last one (or enough time passed with some): it notes ``mark``, the event
offset after everything committed so far, and the conversations changed
since the last round. It then stores their current state a few at a time
between batches (a snapshot taken later than the mark is only newer), and
finally the mark. Restoring takes every stored snapshot of the partition
and the events from the mark on, skipping those a snapshot already holds.

The store keeps, per conversation, only a newer version than it has, and
per partition only a higher mark: a processor that lost its partitions
and writes late (a zombie) can never move either back.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from domain.snapshot_codec import SnapshotCodec, Snapshotted

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredSnapshot:
    conversation_id: uuid.UUID
    version: int
    state: bytes


@dataclass(frozen=True)
class PartitionSnapshots:
    mark: int | None
    """Events from this offset on complete the snapshots (None: no round
    finished yet; read the partition from its beginning)."""
    snapshots: Sequence[StoredSnapshot] = ()


class SnapshotStore(Protocol):
    def load(self, partition: int) -> PartitionSnapshots: ...

    def save(self, partition: int, snapshots: Sequence[StoredSnapshot]) -> None:
        """Keeps each one unless a newer version of it is stored already."""
        ...

    def mark(self, partition: int, events_offset: int) -> None:
        """Keeps it unless a higher mark is stored already."""
        ...


@dataclass(frozen=True)
class SnapshotSettings:
    every_events: int = 10_000
    """Events committed in a partition that start a round."""
    every_seconds: float = 60.0
    """Or this long since the last round, when anything changed."""
    per_step: int = 200
    """Conversations stored between two batches while a round goes on."""


@dataclass
class _Round:
    mark: int
    pending: list[uuid.UUID]


@dataclass
class _Partition:
    last_round_at: float
    end: int = 0
    events_since: int = 0
    changed: set[uuid.UUID] = field(default_factory=set)
    round: _Round | None = None


class Snapshotter:
    def __init__(
        self,
        store: SnapshotStore,
        codec: SnapshotCodec,
        settings: SnapshotSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._codec = codec
        self._settings = settings or SnapshotSettings()
        self._clock = clock
        self._partitions: dict[int, _Partition] = {}

    def restore(self, partition: int) -> tuple[int | None, list[Snapshotted]]:
        """The partition's mark and the conversations of its snapshots; no
        mark and none when they cannot be read (the store is down, a
        snapshot does not decode): the partition is then read from its start."""
        self._partitions[partition] = _Partition(self._clock())
        try:
            stored = self._store.load(partition)
            conversations = [
                self._codec.decode(s.conversation_id, s.version, s.state) for s in stored.snapshots
            ]
        except Exception as error:
            log.error("snapshots of partition %d unusable, reading it whole: %s", partition, error)
            return None, []
        self._partitions[partition].end = stored.mark or 0
        return stored.mark, conversations

    def replayed(self, partition: int, changed: Iterable[uuid.UUID], end: int | None) -> None:
        """After restoring: these conversations got events beyond their
        snapshots (the next round must store them), up to offset ``end``."""
        self.committed(partition, changed, 0, end)

    def forget(self, partition: int) -> None:
        self._partitions.pop(partition, None)

    def committed(
        self, partition: int, changed: Iterable[uuid.UUID], events: int, end: int | None
    ) -> None:
        """After a commit: ``events`` were appended, ending at offset ``end``
        (None when the log did not say)."""
        state = self._partitions.get(partition)
        if state is None:
            return
        state.changed.update(changed)
        state.events_since += events
        if end is not None:
            state.end = max(state.end, end)
        if state.round is None and self._due(state):
            state.round = _Round(state.end, list(state.changed))
            state.changed = set()
            state.events_since = 0

    def step(self, conversations: Callable[[int], Mapping[uuid.UUID, Snapshotted]]) -> None:
        """Stores up to ``per_step`` snapshots of running rounds, and the
        marks of rounds that are done. A store that fails leaves the round
        where it was, to go on at the next step."""
        budget = self._settings.per_step
        for partition, state in list(self._partitions.items()):
            running = state.round
            if running is None or budget <= 0:
                continue
            taken = running.pending[:budget]
            self._store.save(partition, self._snapshots(conversations(partition), taken))
            running.pending = running.pending[len(taken) :]
            budget -= len(taken)
            if not running.pending:
                self._store.mark(partition, running.mark)
                state.round = None
                state.last_round_at = self._clock()

    def _due(self, state: _Partition) -> bool:
        if state.end <= 0 or not state.changed:
            return False
        if state.events_since >= self._settings.every_events:
            return True
        return self._clock() - state.last_round_at >= self._settings.every_seconds

    def _snapshots(
        self, current: Mapping[uuid.UUID, Snapshotted], ids: Sequence[uuid.UUID]
    ) -> list[StoredSnapshot]:
        snapshots = []
        for aggregate_id in ids:
            aggregate = current.get(aggregate_id)
            if aggregate is not None:
                state = self._codec.encode(aggregate)
                snapshots.append(StoredSnapshot(aggregate_id, aggregate.version, state))
        return snapshots
