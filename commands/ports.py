"""Ports the command side uses: the log, as the edge and the processor see it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.records import LogRecord, OutgoingRecord


@dataclass(frozen=True)
class AssignmentChange:
    assigned: tuple[int, ...] = ()
    revoked: tuple[int, ...] = ()


class LogUnavailable(Exception):
    """The log did not acknowledge in time; nothing may be assumed durable."""


class LogPublisher(Protocol):
    """Appends to one topic: the edge's way onto ``chat.commands`` (commands)
    and ``chat.presence`` (presence changes)."""

    async def publish(self, record: OutgoingRecord) -> None:
        """Returns once the log has acknowledged the record (durable)."""
        ...


class LogStuck(Exception):
    """The log cannot be used any more (a transaction could not even be
    ended in time): the role must stop, for its supervisor to restart it."""


@dataclass(frozen=True)
class PartitionCommit:
    """What one partition's batch of commands decided to."""

    events: Sequence[OutgoingRecord]
    next_command_offset: int
    parked: Sequence[OutgoingRecord] = ()
    """Copies of commands that could not be decoded or decided (see
    ``domain.records.parked_record``), for the dead-letter topic."""


class ProcessorLog(Protocol):
    """Consume-transform-produce on ``chat.commands`` -> ``chat.events``.

    Both topics have the same partitions and partitioner, so the events of
    command partition p go to event partition p.
    """

    def poll(self, timeout: float) -> list[LogRecord]:
        """Commands of the partitions assigned to this processor."""
        ...

    def assignment_changes(self) -> AssignmentChange:
        """Partitions gained or lost since the last call. A gained partition
        is fenced: no earlier owner can still commit to it."""
        ...

    def committed_events(
        self, partitions: Sequence[int], start: Mapping[int, int] | None = None
    ) -> Iterator[LogRecord]:
        """Every committed event of these event partitions from offset
        ``start[p]`` on (0 when not given), each partition's oldest first
        (partitions may interleave)."""
        ...

    def commit(self, commits: Mapping[int, PartitionCommit]) -> Mapping[int, int]:
        """Atomically, for every partition p in ``commits``: appends its
        events to event partition p, its parked commands to partition p of
        the dead-letter topic, and marks its commands before
        ``next_command_offset`` consumed. Returns, for each partition that got
        events, the event offset after its last one. Raises LogUnavailable if
        it did not commit; those partitions are then rewound to their
        committed offsets and reported revoked and assigned again. Raises
        LogStuck if the log cannot be used any more."""
        ...

    def reread(self, partitions: Sequence[int]) -> None:
        """Reads the partitions again from their committed offsets; they are
        reported revoked and assigned again (rebuild their state from the log)."""
        ...

    def backlog(self) -> int:
        """Commands known to be waiting in the assigned partitions, beyond
        what was polled (a liveness hint; 0 when unknown)."""
        ...

    def close(self) -> None: ...
