"""The command processor's ProcessorLog on Kafka: consume ``chat.commands``
in a consumer group and append to ``chat.events`` in one Kafka transaction
per poll that also carries the consumed command offsets of every partition
it touched (exactly once; KIP-447: one transactional producer per processor
instance, zombies fenced by the consumer group generation).

A partition is only ever in one of two states here: assigned and read, or
not assigned. After a failed transaction its partitions are rewound (a new
assignment at the committed offsets) and reported lost and gained, so the
processor rebuilds them from the log; nothing is ever paused or dropped.
A newly assigned partition's events are read only once its committed
offsets are stable, i.e. no earlier owner's transaction is still open.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence

from confluent_kafka import Consumer, KafkaException, TopicPartition

from commands.ports import AssignmentChange, LogUnavailable, PartitionCommit
from domain.records import LogRecord
from infra.kafka.config import KafkaConfig
from infra.kafka.lag import LagListener, LagReporter
from infra.kafka.partition_reader import read_committed_partitions
from infra.kafka.records import cached_backlog, consume_records
from infra.kafka.transactions import CALL_TIMEOUT, TransactionalProducer, TransactionFailed

log = logging.getLogger(__name__)

MAX_POLL_INTERVAL_MS = 5 * 60 * 1000
"""Kafka's default: a partition's restore (snapshots, then the events after
them) is seconds, not minutes."""
RESTORE_STALL_TIMEOUT = 60.0
"""An abandoned transaction holds a partition back until the coordinator
aborts it (transaction timeout plus the broker's cleanup interval)."""


def transactional_id(prefix: str, instance: str) -> str:
    """One transactional id per processor instance. A stable ``instance``
    (one per processor slot) lets a restarted processor fence its crashed
    predecessor at once, instead of after the transaction timeout."""
    return f"{prefix}-{instance or uuid.uuid4().hex}"


class KafkaProcessorLog:
    def __init__(
        self,
        kafka: KafkaConfig,
        commands_topic: str,
        events_topic: str,
        group: str,
        transactional_id: str,
        stop: threading.Event | None = None,
        max_poll_interval_ms: int = MAX_POLL_INTERVAL_MS,
        parked_topic: str | None = None,
        on_lag: LagListener | None = None,
    ) -> None:
        self._kafka = kafka
        self._lag = LagReporter(on_lag)
        self._commands = commands_topic
        self._events = events_topic
        self._parked = parked_topic
        self._stop = stop or threading.Event()
        self._assigned: set[int] = set()
        self._gained: set[int] = set()
        self._lost: set[int] = set()
        self._closed = False
        self._producer = TransactionalProducer(kafka, transactional_id, self._stop)
        self._consumer = Consumer(
            kafka.client(
                {
                    "group.id": group,
                    "isolation.level": "read_committed",
                    "enable.auto.commit": False,
                    "enable.auto.offset.store": False,
                    "auto.offset.reset": "earliest",
                    "partition.assignment.strategy": "cooperative-sticky",
                    **kafka.membership(),
                    # Restoring a partition (its newest snapshots, then the
                    # events after them) happens between two polls.
                    "max.poll.interval.ms": max_poll_interval_ms,
                }
            )
        )
        self._consumer.subscribe(
            [self._commands],
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_revoke,
        )

    # -- rebalance callbacks (run inside consume, on this thread) -----------

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        consumer.incremental_assign(partitions)
        gained = {tp.partition for tp in partitions}
        self._assigned |= gained
        self._lost -= gained
        self._gained |= gained
        log.info("assigned %s", sorted(gained))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """No transaction is ever open between polls: nothing to finish."""
        consumer.incremental_unassign(partitions)
        revoked = {tp.partition for tp in partitions}
        self._assigned -= revoked
        self._gained -= revoked
        self._lost |= revoked
        log.info("revoked %s", sorted(revoked))

    # -- ProcessorLog ------------------------------------------------------

    def poll(self, timeout: float) -> list[LogRecord]:
        records = consume_records(self._consumer, timeout)
        self._lag.maybe_report(self._consumer, self._assigned_partitions)
        return [record for record in records if record.partition in self._assigned]

    def assignment_changes(self) -> AssignmentChange:
        change = AssignmentChange(
            assigned=tuple(sorted(self._gained)), revoked=tuple(sorted(self._lost))
        )
        self._gained.clear()
        self._lost.clear()
        return change

    def committed_events(
        self, partitions: Sequence[int], start: Mapping[int, int] | None = None
    ) -> Iterator[LogRecord]:
        """Waits until the partitions' committed offsets are stable (an
        earlier owner's transaction that carried offsets ended), then reads
        their events from ``start`` until no transaction is open on them (one
        that an earlier owner left open before it got to the offsets)."""
        self._wait_for_stable_offsets(partitions)
        return read_committed_partitions(
            self._kafka,
            self._events,
            partitions,
            stall_timeout=RESTORE_STALL_TIMEOUT,
            until_no_open_transaction=True,
            start=start,
        )

    def commit(self, commits: Mapping[int, PartitionCommit]) -> Mapping[int, int]:
        mine = {p: c for p, c in commits.items() if p in self._assigned}
        if len(mine) != len(commits):
            self._handing_back(commits)
            raise LogUnavailable(f"partitions {sorted(set(commits) - set(mine))} not assigned")
        events = [(p, record) for p, c in mine.items() for record in c.events]
        parked = [(p, record) for p, c in mine.items() for record in c.parked]
        if parked and self._parked is None:
            self._rewind(sorted(mine))
            raise LogUnavailable("no dead-letter topic to park commands in")
        offsets = [
            TopicPartition(self._commands, p, c.next_command_offset) for p, c in mine.items()
        ]
        try:
            return self._producer.commit(
                self._events,
                events,
                offsets,
                self._consumer.consumer_group_metadata(),
                (self._parked or "", parked),
            )
        except TransactionFailed as error:
            log.warning("commit of partitions %s failed: %s", sorted(mine), error)
            self._rewind(sorted(mine))
            raise LogUnavailable(str(error)) from error

    def reread(self, partitions: Sequence[int]) -> None:
        self._rewind(sorted(partitions))

    def backlog(self) -> int:
        """From what librdkafka knows already (no request): the high
        watermarks of its last fetches minus the positions."""
        return cached_backlog(self._consumer, self._assigned_partitions())

    def _assigned_partitions(self) -> list[TopicPartition]:
        return [TopicPartition(self._commands, p) for p in sorted(self._assigned)]

    def close(self) -> None:
        """Leaves the group; uncommitted work is simply not committed."""
        if self._closed:
            return
        self._closed = True
        self._consumer.close()
        self._producer.close()

    # -- after a failed transaction ------------------------------------------

    def _handing_back(self, commits: Mapping[int, PartitionCommit]) -> None:
        """Partitions revoked while their batch was decided: their state is
        stale, and whoever owns them now decides their commands."""
        self._lost |= set(commits) - self._assigned

    def _rewind(self, partitions: list[int]) -> None:
        """Reads the partitions again from their committed offsets (which
        librdkafka fetches itself, stable, on assignment), and reports them
        lost and gained so their state is rebuilt from the log."""
        tps = [TopicPartition(self._commands, p) for p in partitions]
        self._consumer.incremental_unassign(tps)
        self._consumer.incremental_assign(tps)
        self._lost |= set(partitions)
        self._gained |= set(partitions)

    def _wait_for_stable_offsets(self, partitions: Sequence[int]) -> None:
        tps = [TopicPartition(self._commands, p) for p in partitions]
        while True:
            try:
                self._consumer.committed(tps, timeout=CALL_TIMEOUT)
                return
            except KafkaException as error:
                if self._stop.is_set():
                    raise LogUnavailable("stopped") from error
                log.info("committed offsets of %s not yet stable: %s", list(partitions), error)
                time.sleep(0.1)
