"""The log ports in memory: the embedded default (nothing durable).

Thread-safe: the edge publishes from its event loop while the processor and
the projector poll in their own threads. Behaves like the Kafka adapters
where the contract tests look: the same partitioner, group offsets committed
atomically with the events, a new processor instance resumes from them, and
only one processor instance (the newest) owns the partitions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence

from commands.ports import AssignmentChange, LogUnavailable, PartitionCommit
from domain.records import LogRecord, OutgoingRecord
from infra.partitioning import partition_for

MAX_BATCH = 500
MAX_RECORD_BYTES = 1_000_000
"""Kafka's default ``message.max.bytes``: larger records are refused."""
PROCESSOR_GROUP = "processor"


def _check_size(record: OutgoingRecord) -> None:
    size = len(record.key.encode()) + len(record.value)
    size += sum(len(name.encode()) + len(value.encode()) for name, value in record.headers.items())
    if size > MAX_RECORD_BYTES:
        raise LogUnavailable(f"record of {size} bytes is larger than {MAX_RECORD_BYTES}")


class InMemoryLog:
    """Topics -> partitions -> records, and the committed offsets of groups."""

    def __init__(self, topics: Mapping[str, int]) -> None:
        self._records: dict[str, list[list[LogRecord]]] = {
            topic: [[] for _ in range(count)] for topic, count in topics.items()
        }
        self._offsets: dict[tuple[str, str, int], int] = {}
        self._owners: dict[str, object] = {}
        self._changed = threading.Condition()

    def partitions(self, topic: str) -> int:
        return len(self._topic(topic))

    def _topic(self, topic: str) -> list[list[LogRecord]]:
        try:
            return self._records[topic]
        except KeyError:
            raise LogUnavailable(f"no topic {topic}") from None

    def _append(self, topic: str, partition: int, record: OutgoingRecord) -> None:
        records = self._topic(topic)[partition]
        records.append(
            LogRecord(partition, len(records), record.key, record.value, dict(record.headers))
        )

    def append(self, topic: str, record: OutgoingRecord) -> None:
        """Appends to the partition the key maps to."""
        _check_size(record)
        with self._changed:
            self._append(topic, partition_for(record.key, self.partitions(topic)), record)
            self._changed.notify_all()

    def read(self, topic: str, positions: Mapping[int, int], timeout: float) -> list[LogRecord]:
        """Records at or after ``positions`` (partition -> offset), waiting
        up to ``timeout`` seconds for at least one."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                batch = self._collect(self._topic(topic), positions)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0:
                    return batch
                self._changed.wait(remaining)

    @staticmethod
    def _collect(
        partitions: list[list[LogRecord]], positions: Mapping[int, int]
    ) -> list[LogRecord]:
        batch: list[LogRecord] = []
        for partition, offset in positions.items():
            batch.extend(partitions[partition][offset : offset + MAX_BATCH - len(batch)])
        return batch

    def records(self, topic: str, partition: int) -> list[LogRecord]:
        """A copy of one partition."""
        with self._changed:
            return list(self._topic(topic)[partition])

    def committed(self, group: str, topic: str, partition: int) -> int:
        with self._changed:
            return self._offsets.get((group, topic, partition), 0)

    def join(self, group: str, member: object) -> None:
        """``member`` becomes the one owner of the group's partitions."""
        with self._changed:
            self._owners[group] = member

    def leave(self, group: str, member: object) -> None:
        with self._changed:
            if self._owners.get(group) is member:
                del self._owners[group]

    def owns(self, group: str, member: object) -> bool:
        with self._changed:
            return self._owners.get(group) is member

    def commit(
        self,
        group: str,
        member: object,
        *,
        events_topic: str,
        offsets_topic: str,
        commits: Mapping[int, PartitionCommit],
        parked_topic: str | None = None,
    ) -> dict[int, int]:
        """Atomically, for every partition p in ``commits``: appends its events
        to p of ``events_topic`` (its parked records to p of ``parked_topic``)
        and sets the group's committed offset of p of
        ``offsets_topic``. Only the group's owner may. Returns the end of each
        partition that got events."""
        for commit in commits.values():
            for record in commit.events:
                _check_size(record)
            if commit.parked and parked_topic not in self._records:
                raise LogUnavailable(f"no dead-letter topic {parked_topic} to park commands in")
        with self._changed:
            if self._owners.get(group) is not member:
                raise LogUnavailable(f"fenced: group {group} has a newer member")
            ends: dict[int, int] = {}
            for partition, commit in commits.items():
                for record in commit.events:
                    self._append(events_topic, partition, record)
                if commit.events:
                    ends[partition] = len(self._topic(events_topic)[partition])
                for record in commit.parked:
                    self._append(parked_topic or "", partition, record)
                self._offsets[(group, offsets_topic, partition)] = commit.next_command_offset
            self._changed.notify_all()
            return ends

    def end(self, topic: str, partition: int) -> int:
        with self._changed:
            return len(self._topic(topic)[partition])


class InMemoryPublisher:
    def __init__(self, log: InMemoryLog, topic: str = "chat.commands") -> None:
        self._log = log
        self._topic = topic

    async def publish(self, record: OutgoingRecord) -> None:
        self._log.append(self._topic, record)


def _merge(earlier: AssignmentChange, later: AssignmentChange) -> AssignmentChange:
    """One change meaning "apply revoked, then assigned" for both."""
    assigned = (set(earlier.assigned) - set(later.revoked)) | set(later.assigned)
    revoked = set(earlier.revoked) | set(later.revoked)
    return AssignmentChange(tuple(sorted(assigned)), tuple(sorted(revoked)))


class InMemoryProcessorLog:
    """A single group member: on its first poll it joins and gets every
    partition, starting at the group's committed offsets. A newer instance
    on the same log takes the partitions over; this one is then fenced."""

    def __init__(
        self,
        log: InMemoryLog,
        commands_topic: str = "chat.commands",
        events_topic: str = "chat.events",
        group: str = PROCESSOR_GROUP,
        parked_topic: str | None = "chat.parked",
    ) -> None:
        self._log = log
        self._commands = commands_topic
        self._events = events_topic
        self._parked = parked_topic
        self._group = group
        self._positions: dict[int, int] = {}
        self._joined = False
        self._change = AssignmentChange()

    def poll(self, timeout: float) -> list[LogRecord]:
        if not self._joined:
            self._join()
        elif self._positions and not self._log.owns(self._group, self):
            self._change = _merge(self._change, AssignmentChange(revoked=tuple(self._positions)))
            self._positions = {}
        records = self._log.read(self._commands, self._positions, timeout)
        for record in records:
            self._positions[record.partition] = record.offset + 1
        return records

    def _join(self) -> None:
        self._log.join(self._group, self)
        self._joined = True
        count = self._log.partitions(self._commands)
        self._positions = {
            p: self._log.committed(self._group, self._commands, p) for p in range(count)
        }
        self._change = _merge(self._change, AssignmentChange(assigned=tuple(self._positions)))

    def assignment_changes(self) -> AssignmentChange:
        change, self._change = self._change, AssignmentChange()
        return change

    def committed_events(
        self, partitions: Sequence[int], start: Mapping[int, int] | None = None
    ) -> Iterator[LogRecord]:
        for partition in partitions:
            first = (start or {}).get(partition, 0)
            yield from self._log.records(self._events, partition)[first:]

    def commit(self, commits: Mapping[int, PartitionCommit]) -> Mapping[int, int]:
        """On failure, the partitions are rewound to their committed offsets
        and reported revoked and assigned again (rebuild them from the log)."""
        try:
            return self._log.commit(
                self._group,
                self,
                events_topic=self._events,
                offsets_topic=self._commands,
                commits=commits,
                parked_topic=self._parked,
            )
        except LogUnavailable:
            if self._log.owns(self._group, self):
                self.reread(list(commits))
            raise

    def reread(self, partitions: Sequence[int]) -> None:
        for partition in partitions:
            self._positions[partition] = self._log.committed(self._group, self._commands, partition)
        change = AssignmentChange(tuple(partitions), tuple(partitions))
        self._change = _merge(self._change, change)

    def backlog(self) -> int:
        return sum(
            self._log.end(self._commands, partition) - position
            for partition, position in self._positions.items()
        )

    def close(self) -> None:
        self._log.leave(self._group, self)
        self._positions = {}


class InMemoryEventFeed:
    """Every partition of one topic, each starting at ``start_offset(p)``."""

    def __init__(
        self,
        log: InMemoryLog,
        topic: str,
        start_offset: Callable[[int], int],
    ) -> None:
        self._log = log
        self._topic = topic
        self._start_offset = start_offset
        self._positions: dict[int, int] | None = None

    def poll(self, timeout: float) -> list[LogRecord]:
        if self._positions is None:
            count = self._log.partitions(self._topic)
            self._positions = {p: self._start_offset(p) for p in range(count)}
        records = self._log.read(self._topic, self._positions, timeout)
        for record in records:
            self._positions[record.partition] = record.offset + 1
        return records

    def backlog(self) -> int:
        return sum(
            self._log.end(self._topic, partition) - position
            for partition, position in (self._positions or {}).items()
        )

    def close(self) -> None:
        self._positions = None
