"""The processor's SnapshotStore in memory (the embedded default and tests):
the same rules as PostgreSQL's, newer versions and higher marks only."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from commands.snapshots import PartitionSnapshots, StoredSnapshot


@dataclass
class SnapshotTables:
    """What the stores of one process share (as processes share a database)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshots: dict[uuid.UUID, tuple[int, StoredSnapshot]] = field(default_factory=dict)
    marks: dict[int, tuple[int, int]] = field(default_factory=dict)  # p -> (count, offset)


class InMemorySnapshotStore:
    def __init__(self, partitions: int, tables: SnapshotTables | None = None) -> None:
        self._partitions = partitions
        self._tables = tables or SnapshotTables()

    def load(self, partition: int) -> PartitionSnapshots:
        with self._tables.lock:
            mark = self._tables.marks.get(partition)
            if mark is None or mark[0] != self._partitions:
                return PartitionSnapshots(None)
            held = self._tables.snapshots.values()
            snapshots = [s for p, s in held if p == partition]
        return PartitionSnapshots(mark[1], snapshots)

    def save(self, partition: int, snapshots: Sequence[StoredSnapshot]) -> None:
        with self._tables.lock:
            for snapshot in snapshots:
                held = self._tables.snapshots.get(snapshot.conversation_id)
                if held is None or held[1].version < snapshot.version:
                    self._tables.snapshots[snapshot.conversation_id] = (partition, snapshot)

    def mark(self, partition: int, events_offset: int) -> None:
        with self._tables.lock:
            held = self._tables.marks.get(partition)
            if held is None or held[0] != self._partitions or held[1] < events_offset:
                self._tables.marks[partition] = (self._partitions, events_offset)
