"""The command processor: chat.commands -> decide -> chat.events, exactly once.

Each batch of one partition is committed in one log transaction together
with the consumed command offsets. A partition's conversations are rebuilt
from its committed events when the partition is assigned, so a restarted or
re-balanced processor continues exactly where the log says it stopped.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from eventsourcing.persistence import Cipher

from commands.decider import DeciderSettings, PartitionState
from commands.messages import MalformedCommand, decode_command
from commands.ports import LogUnavailable, ProcessorLog
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
    ) -> None:
        self._command_cipher = command_cipher
        self._log = log_port
        self._codec = codec
        self._settings = settings or DeciderSettings()
        self._partitions: dict[int, PartitionState] = {}
        self._committers: ThreadPoolExecutor | None = None

    def run(self, stop: threading.Event, poll_timeout: float = 0.2) -> None:
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="commit") as committers:
            self._committers = committers
            try:
                while not stop.is_set():
                    self._step_until_stopped(stop, poll_timeout)
            finally:
                self._committers = None

    def _step_until_stopped(self, stop: threading.Event, poll_timeout: float) -> None:
        try:
            self.step(poll_timeout)
        except RuntimeError:
            # The interpreter shutting down refuses new commit threads: when
            # we were asked to stop, that is the stop, not a failure.
            if not stop.is_set():
                raise

    def step(self, poll_timeout: float) -> int:
        """One poll and the commits it leads to; returns commands handled."""
        records = self._log.poll(poll_timeout)
        self._follow_assignment()
        by_partition: dict[int, list[LogRecord]] = defaultdict(list)
        for record in records:
            if record.partition in self._partitions:
                by_partition[record.partition].append(record)
        decided = [(p, *self._decide_batch(p, batch)) for p, batch in by_partition.items()]
        if self._committers is None or len(decided) < 2:
            for partition, events, next_offset in decided:
                self._commit(partition, events, next_offset)
        else:  # each partition has its own transaction: commit them side by side
            list(self._committers.map(lambda batch: self._commit(*batch), decided))
        return sum(len(batch) for batch in by_partition.values())

    def _follow_assignment(self) -> None:
        change = self._log.assignment_changes()
        for partition in change.revoked:
            self._partitions.pop(partition, None)
        if change.assigned:
            self._partitions.update(self._restore(change.assigned))

    def _restore(self, partitions: Sequence[int]) -> dict[int, PartitionState]:
        """Rebuilds the conversations of newly assigned partitions from the log."""
        states = {partition: PartitionState(self._settings) for partition in partitions}
        count = 0
        for record in self._log.committed_events(partitions):
            states[record.partition].apply(self._codec.decode(record.value, record.headers))
            count += 1
        conversations = sum(len(state) for state in states.values())
        log.info(
            "partitions %s restored: %d events, %d conversations",
            list(partitions),
            count,
            conversations,
        )
        return states

    def _decide_batch(
        self, partition: int, batch: Sequence[LogRecord]
    ) -> tuple[list[OutgoingRecord], int]:
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
        return outgoing, batch[-1].offset + 1

    def _commit(self, partition: int, events: list[OutgoingRecord], next_offset: int) -> None:
        try:
            self._log.commit(partition, events, next_offset)
        except LogUnavailable as error:
            # The in-memory state ran ahead of the log: forget it. The log
            # rewinds the partition and assigns it again, so it is rebuilt
            # from what the log really holds and its commands come again.
            self._partitions.pop(partition, None)
            log.warning("commit of partition %d failed, will rebuild it: %s", partition, error)
