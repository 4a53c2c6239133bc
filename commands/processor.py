"""The command processor: chat.commands -> decide -> chat.events, exactly once.

Each poll's commands, of every partition it holds, are decided and
committed in one log transaction together with the consumed command
offsets. A partition's conversations are rebuilt when the partition is
assigned (commands.restore: its snapshots, then its committed events after
them), so a restarted or re-balanced processor continues exactly where the
log says it stopped; between batches, snapshots are taken
(commands.snapshots).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from eventsourcing.persistence import Cipher

from commands.decider import DeciderSettings, DecisionFailed, PartitionState
from commands.liveness import Liveness
from commands.messages import MalformedCommand, decode_command
from commands.metrics import NO_METRICS, Metrics
from commands.ports import LogUnavailable, PartitionCommit, ProcessorLog
from commands.restore import Restorer
from commands.snapshots import Snapshotter
from domain.auditor import is_auditor_event
from domain.codec import EventCodec
from domain.conversation import is_conversation_event
from domain.records import COMMANDS_LOG, LogRecord, OutgoingRecord, parked_record
from domain.relationship_events import RelationshipEvent
from domain.snapshot_codec import Snapshotted

log = logging.getLogger(__name__)

SNAPSHOT_RETRY_SECONDS = 10.0
"""After the snapshot store failed, batches go on without it this long."""


@dataclass
class _Decided:
    commit: PartitionCommit
    changed: set[uuid.UUID] = field(default_factory=set)
    reread: bool = False
    """A decision failed midway: rebuild the partition after the commit."""


class CommandProcessor:
    def __init__(
        self,
        log_port: ProcessorLog,
        codec: EventCodec,
        settings: DeciderSettings | None = None,
        command_cipher: Cipher | None = None,
        liveness: Liveness | None = None,
        snapshots: Snapshotter | None = None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._command_cipher = command_cipher
        self._log = log_port
        self._codec = codec
        self._settings = settings or DeciderSettings()
        self._partitions: dict[int, PartitionState] = {}
        self._snapshots = snapshots
        self._snapshots_retry_at = 0.0
        self._metrics = metrics
        self.restorer = Restorer(log_port, codec, self._settings, snapshots, metrics)
        self.liveness = liveness or Liveness("processor")

    def run(self, stop: threading.Event, poll_timeout: float = 0.2) -> None:
        while not stop.is_set():
            self.step(poll_timeout)

    def step(self, poll_timeout: float) -> int:
        """One poll and the transaction it leads to; returns commands handled."""
        records = self._log.poll(poll_timeout)
        self._follow_assignment()
        by_partition: dict[int, list[LogRecord]] = defaultdict(list)
        for record in records:
            if record.partition in self._partitions:
                by_partition[record.partition].append(record)
        if not by_partition:
            self.liveness.between_batches(self._log.backlog())
            self._snapshot()
            return 0
        self.liveness.waiting()
        decided = {p: self._decide_batch(p, batch) for p, batch in by_partition.items()}
        self._commit(decided)
        self._snapshot()
        return sum(len(batch) for batch in by_partition.values())

    def _follow_assignment(self) -> None:
        change = self._log.assignment_changes()
        for partition in change.revoked:
            self._forget(partition)
        if change.assigned:
            self._partitions.update(self.restorer.restore(change.assigned))

    def _forget(self, partition: int) -> None:
        self._partitions.pop(partition, None)
        if self._snapshots is not None:
            self._snapshots.forget(partition)

    def _decide_batch(self, partition: int, batch: Sequence[LogRecord]) -> _Decided:
        """The events of a batch of commands, the offset after it, and the
        conversations they change."""
        state = self._partitions[partition]
        outgoing: list[OutgoingRecord] = []
        parked: list[OutgoingRecord] = []
        changed: set[uuid.UUID] = set()
        for record in batch:
            try:
                events = state.decide(decode_command(record.value, self._command_cipher))
            except (MalformedCommand, ValueError) as error:
                parked.append(self._park(record, f"cannot decode: {error}"))
                continue
            except DecisionFailed as failed:
                # Its conversation may be half changed: commit up to it, then
                # rebuild the partition; the commands after it come again.
                parked.append(self._park(record, f"cannot decide: {failed.__cause__!r}"))
                outgoing.append(self._codec.encode(failed.rejection))
                commit = PartitionCommit(outgoing, record.offset + 1, parked)
                return _Decided(commit, changed, reread=True)
            outgoing.extend(self._codec.encode(event) for event in events)
            changed.update(e.originator_id for e in events if _snapshotted(e))
        return _Decided(PartitionCommit(outgoing, batch[-1].offset + 1, parked), changed)

    def _park(self, record: LogRecord, error: str) -> OutgoingRecord:
        """Logged once here; committed with the batch, so parked exactly once."""
        log.error(
            "parking command at %d/%d (key %s): %s",
            record.partition,
            record.offset,
            record.key,
            error,
        )
        self._metrics.parked(COMMANDS_LOG)
        return parked_record(record, COMMANDS_LOG, error)

    def _commit(self, decided: dict[int, _Decided]) -> None:
        try:
            ends = self._log.commit({p: d.commit for p, d in decided.items()})
        except LogUnavailable as error:
            # The in-memory state ran ahead of the log: forget it. The log
            # rewinds the partitions and assigns them again, so they are
            # rebuilt from what the log really holds and their commands come again.
            for partition in decided:
                self._forget(partition)
            log.warning(
                "commit of partitions %s failed, will rebuild them: %s", sorted(decided), error
            )
            return
        self.liveness.progressed()
        rebuild = [p for p, done in decided.items() if done.reread]
        for partition in rebuild:
            self._forget(partition)  # its state may be half changed: never snapshot it
        if rebuild:
            self._log.reread(rebuild)
        if self._snapshots is not None:
            for partition, done in decided.items():
                if done.reread:
                    continue
                events = len(done.commit.events)
                self._snapshots.committed(partition, done.changed, events, ends.get(partition))

    def _snapshot(self) -> None:
        """Some of the snapshot work between batches; a store that fails
        only delays it (restoring then reads more of the log)."""
        if self._snapshots is None or time.monotonic() < self._snapshots_retry_at:
            return
        try:
            self._snapshots.step(self._aggregates)
        except Exception as error:
            if not self._snapshots_retry_at:
                log.warning("snapshots delayed (the store failed): %s", error)
            self._snapshots_retry_at = time.monotonic() + SNAPSHOT_RETRY_SECONDS
        else:
            self._snapshots_retry_at = 0.0

    def _aggregates(self, partition: int) -> Mapping[uuid.UUID, Snapshotted]:
        state = self._partitions.get(partition)
        return {} if state is None else state.aggregates


def _snapshotted(event: object) -> bool:
    """An event of an aggregate that snapshots hold (not a rejection):
    a conversation's, an auditor role's or a relationship's."""
    return (
        is_conversation_event(event)
        or is_auditor_event(event)
        or isinstance(event, RelationshipEvent)
    )
