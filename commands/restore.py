"""Rebuilding the conversations of partitions a processor takes over: the
newest snapshots, then the committed events after their mark. An event a
snapshot already holds is skipped by its headers, without decoding it."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from commands.decider import DeciderSettings, PartitionState
from commands.metrics import NO_METRICS, Metrics
from commands.ports import ProcessorLog
from commands.snapshots import Snapshotter
from domain.codec import EventCodec
from domain.records import LogRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestoreReport:
    partitions: tuple[int, ...]
    snapshots: int
    events_read: int
    events_applied: int
    conversations: int
    seconds: float


class Restorer:
    def __init__(
        self,
        log_port: ProcessorLog,
        codec: EventCodec,
        settings: DeciderSettings,
        snapshots: Snapshotter | None = None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._log = log_port
        self._codec = codec
        self._settings = settings
        self._snapshots = snapshots
        self._metrics = metrics
        self.last: RestoreReport | None = None

    def restore(self, partitions: Sequence[int]) -> dict[int, PartitionState]:
        started = time.monotonic()
        states = {partition: PartitionState(self._settings) for partition in partitions}
        marks, snapshots = self._from_snapshots(states)
        replayed: dict[int, set[uuid.UUID]] = {p: set() for p in partitions}
        ends: dict[int, int] = {}
        read = applied = 0
        for record in self._log.committed_events(partitions, marks):
            read += 1
            ends[record.partition] = record.offset + 1
            if self._apply(states[record.partition], record):
                applied += 1
                replayed[record.partition].add(uuid.UUID(record.headers["aggregate_id"]))
        if self._snapshots is not None:
            for partition in partitions:
                self._snapshots.replayed(partition, replayed[partition], ends.get(partition))
        self.last = RestoreReport(
            tuple(partitions),
            snapshots,
            read,
            applied,
            sum(len(state) for state in states.values()),
            time.monotonic() - started,
        )
        log.info("restored %s", self.last)
        self._metrics.restored(self.last.seconds)
        return states

    def _from_snapshots(self, states: Mapping[int, PartitionState]) -> tuple[dict[int, int], int]:
        marks: dict[int, int] = {}
        count = 0
        if self._snapshots is None:
            return marks, count
        for partition, state in states.items():
            mark, conversations = self._snapshots.restore(partition)
            for conversation in conversations:
                state.adopt(conversation)
            count += len(conversations)
            if mark is not None:
                marks[partition] = mark
        return marks, count

    def _apply(self, state: PartitionState, record: LogRecord) -> bool:
        """Applies a record unless a snapshot holds it already."""
        aggregate_id = record.headers.get("aggregate_id")
        version = record.headers.get("aggregate_version")
        held = state.version_of(uuid.UUID(aggregate_id)) if aggregate_id else 0
        if version is not None and int(version) <= held:
            return False
        state.apply(self._codec.decode(record.value, record.headers))
        return True
