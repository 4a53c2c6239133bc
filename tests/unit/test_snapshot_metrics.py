"""The snapshot age metric starts when a partition's snapshot round is complete."""

from __future__ import annotations

from commands.snapshot_metrics import MeasuredSnapshotStore
from infra.memory.metrics import InMemoryMetrics
from infra.memory.snapshots import InMemorySnapshotStore


def test_storing_a_partitions_mark_reports_its_snapshot_as_taken_now() -> None:
    metrics = InMemoryMetrics()
    store = MeasuredSnapshotStore(
        InMemorySnapshotStore(4, "events-1"), metrics, clock=lambda: 1234.5
    )
    store.save(2, [])
    assert metrics.snapshots == {}
    store.mark(2, 100)
    assert metrics.snapshots == {2: 1234.5}
    assert store.load(2).mark == 100
