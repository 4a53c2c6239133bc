"""The processor's SnapshotStore in memory (the embedded default and tests):
the same rules as PostgreSQL's, newer versions and higher marks only, and
only those of the same topic (``log_id``) and partition count."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from commands.snapshots import PartitionSnapshots, StoredSnapshot


@dataclass(frozen=True)
class _Held:
    partition: int
    log_id: str
    snapshot: StoredSnapshot


@dataclass(frozen=True)
class _Mark:
    partitions: int
    log_id: str
    offset: int


@dataclass
class SnapshotTables:
    """What the stores of one process share (as processes share a database)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshots: dict[uuid.UUID, _Held] = field(default_factory=dict)
    marks: dict[int, _Mark] = field(default_factory=dict)


class InMemorySnapshotStore:
    def __init__(self, partitions: int, log_id: str, tables: SnapshotTables | None = None) -> None:
        self._partitions = partitions
        self._log_id = log_id
        self._tables = tables or SnapshotTables()

    def load(self, partition: int) -> PartitionSnapshots:
        with self._tables.lock:
            mark = self._tables.marks.get(partition)
            if mark is None or (mark.partitions, mark.log_id) != (self._partitions, self._log_id):
                return PartitionSnapshots(None)
            snapshots = [
                held.snapshot
                for held in self._tables.snapshots.values()
                if (held.partition, held.log_id) == (partition, self._log_id)
            ]
        return PartitionSnapshots(mark.offset, snapshots)

    def save(self, partition: int, snapshots: Sequence[StoredSnapshot]) -> None:
        with self._tables.lock:
            for snapshot in snapshots:
                held = self._tables.snapshots.get(snapshot.conversation_id)
                if (
                    held is None
                    or held.log_id != self._log_id
                    or held.snapshot.version < snapshot.version
                ):
                    self._tables.snapshots[snapshot.conversation_id] = _Held(
                        partition, self._log_id, snapshot
                    )

    def mark(self, partition: int, events_offset: int) -> None:
        with self._tables.lock:
            held = self._tables.marks.get(partition)
            if (
                held is None
                or (held.partitions, held.log_id) != (self._partitions, self._log_id)
                or held.offset < events_offset
            ):
                self._tables.marks[partition] = _Mark(self._partitions, self._log_id, events_offset)
