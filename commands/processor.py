"""The command processor: chat.commands -> decide -> chat.events, exactly once.

Each poll's commands, of every partition it holds, are decided and
committed in one log transaction together with the consumed command
offsets. A partition's conversations are rebuilt from its committed events
when the partition is assigned, so a restarted or re-balanced processor
continues exactly where the log says it stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Sequence

from eventsourcing.persistence import Cipher

from commands.decider import DeciderSettings, PartitionState
from commands.liveness import Liveness
from commands.messages import MalformedCommand, decode_command
from commands.ports import LogUnavailable, PartitionCommit, ProcessorLog
from domain.codec import EventCodec
from domain.records import LogRecord, OutgoingRecord

log = logging.getLogger(__name__)


class CommandProcessor:
    def __init__(
        self,
        log_port: ProcessorLog,
        codec: EventCodec,
        settings: DeciderSettings | None = None,
        command_cipher: Cipher | None = None,
        liveness: Liveness | None = None,
    ) -> None:
        self._command_cipher = command_cipher
        self._log = log_port
        self._codec = codec
        self._settings = settings or DeciderSettings()
        self._partitions: dict[int, PartitionState] = {}
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
            return 0
        self.liveness.waiting()
        commits = {p: self._decide_batch(p, batch) for p, batch in by_partition.items()}
        self._commit(commits)
        return sum(len(batch) for batch in by_partition.values())

    def _follow_assignment(self) -> None:
        change = self._log.assignment_changes()
        for partition in change.revoked:
            self._partitions.pop(partition, None)
        if change.assigned:
            self._partitions.update(self._restore(change.assigned))

    def _restore(self, partitions: Sequence[int]) -> dict[int, PartitionState]:
        """Rebuilds the conversations of newly assigned partitions from the log."""
        started = time.monotonic()
        states = {partition: PartitionState(self._settings) for partition in partitions}
        count = 0
        for record in self._log.committed_events(partitions):
            states[record.partition].apply(self._codec.decode(record.value, record.headers))
            count += 1
        conversations = sum(len(state) for state in states.values())
        log.info(
            "partitions %s restored: %d events, %d conversations, %.2f s",
            list(partitions),
            count,
            conversations,
            time.monotonic() - started,
        )
        return states

    def _decide_batch(self, partition: int, batch: Sequence[LogRecord]) -> PartitionCommit:
        """The events of a batch of commands, and the offset after it."""
        state = self._partitions[partition]
        outgoing: list[OutgoingRecord] = []
        for record in batch:
            try:
                command = decode_command(record.value, self._command_cipher)
                events = state.decide(command)
            except (MalformedCommand, ValueError) as error:
                log.warning(
                    "skipped malformed command at %d/%d: %s", partition, record.offset, error
                )
                continue
            outgoing.extend(self._codec.encode(event) for event in events)
        return PartitionCommit(outgoing, batch[-1].offset + 1)

    def _commit(self, commits: dict[int, PartitionCommit]) -> None:
        try:
            self._log.commit(commits)
        except LogUnavailable as error:
            # The in-memory state ran ahead of the log: forget it. The log
            # rewinds the partitions and assigns them again, so they are
            # rebuilt from what the log really holds and their commands come again.
            for partition in commits:
                self._partitions.pop(partition, None)
            log.warning(
                "commit of partitions %s failed, will rebuild them: %s", sorted(commits), error
            )
            return
        self.liveness.progressed()
