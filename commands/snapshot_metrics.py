"""The snapshot age metric, from the snapshot store's side: a partition's
newest snapshot is complete when its round's mark is stored, so that moment
is when ``chat_snapshot_age_seconds{partition}`` starts counting from."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from commands.metrics import Metrics
from commands.snapshots import PartitionSnapshots, SnapshotStore, StoredSnapshot


class MeasuredSnapshotStore:
    """A snapshot store that reports each stored mark to the metrics."""

    def __init__(
        self, store: SnapshotStore, metrics: Metrics, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._metrics = metrics
        self._clock = clock

    def load(self, partition: int) -> PartitionSnapshots:
        return self._store.load(partition)

    def save(self, partition: int, snapshots: Sequence[StoredSnapshot]) -> None:
        self._store.save(partition, snapshots)

    def mark(self, partition: int, events_offset: int) -> None:
        self._store.mark(partition, events_offset)
        self._metrics.snapshot_taken(partition, self._clock())
