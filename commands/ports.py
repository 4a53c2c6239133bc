"""Ports the command side uses: the log, as the edge and the processor see it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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

    def committed_events(self, partitions: Sequence[int]) -> Iterator[LogRecord]:
        """Every committed event of these event partitions, each partition's
        oldest first (partitions may interleave)."""
        ...

    def commit(
        self, partition: int, events: Sequence[OutgoingRecord], next_command_offset: int
    ) -> None:
        """Safe to call for different partitions from different threads.

        Atomically appends the events and marks the commands before
        ``next_command_offset`` as consumed. Raises LogUnavailable if the
        transaction failed; the partition is then rewound to its committed
        offset and reported revoked and assigned again."""
        ...

    def close(self) -> None: ...
