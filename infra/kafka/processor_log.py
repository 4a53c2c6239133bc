"""The command processor's ProcessorLog on Kafka: consume ``chat.commands``
in a consumer group, append to ``chat.events`` in Kafka transactions that
also carry the consumed command offsets (exactly once, KIP-447 style).

One transactional producer per assigned partition, its id derived from the
partition: creating it (``init_transactions``) on assignment fences every
earlier owner of that partition and ends its pending transaction before the
committed command offsets are fetched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaException,
    Producer,
    TopicPartition,
)

from commands.ports import AssignmentChange, LogUnavailable
from domain.records import LogRecord, OutgoingRecord
from infra.kafka.config import KafkaConfig
from infra.kafka.partition_reader import read_committed_partitions
from infra.kafka.records import consume_records, kafka_error, produce_blocking

log = logging.getLogger(__name__)


def transactional_id(prefix: str, partition: int) -> str:
    """One transactional id per command partition: whoever owns partition p
    fences every earlier owner of p, and nobody else."""
    return f"{prefix}-p{partition}"


class KafkaProcessorLog:
    def __init__(
        self,
        kafka: KafkaConfig,
        commands_topic: str,
        events_topic: str,
        group: str,
        transactional_prefix: str,
        transaction_timeout: float = 10.0,
    ) -> None:
        self._kafka = kafka
        self._group = group
        self._transactional_prefix = transactional_prefix
        self._timeout = transaction_timeout
        self._commands = commands_topic
        self._events = events_topic
        self._producers: dict[int, Producer] = {}
        self._gained: set[int] = set()
        self._lost: set[int] = set()
        self._broken: str | None = None
        self._closed = False
        # Commits of different partitions may run in parallel threads; what
        # a failed one does to the shared consumer and producers is serial.
        self._recovering = threading.Lock()
        self._consumer = Consumer(self._consumer_config())
        self._consumer.subscribe(
            [self._commands],
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_revoke,
        )

    def _consumer_config(self) -> dict[str, object]:
        return self._kafka.client(
            {
                "group.id": self._group,
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "partition.assignment.strategy": "cooperative-sticky",
                "session.timeout.ms": self._kafka.session_timeout_ms,
                # Restoring a partition replays its events between two polls
                # (no snapshots yet): allow it 30 minutes before the group
                # would take the partitions away.
                "max.poll.interval.ms": 30 * 60 * 1000,
            }
        )

    def _new_producer(self, partition: int) -> Producer:
        """A fenced-in transactional producer: blocks until every earlier
        producer with the same id is fenced and its transaction ended."""
        config = self._kafka.client(
            {
                "transactional.id": transactional_id(self._transactional_prefix, partition),
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 2,
                # After a commit the broker answers CONCURRENT_TRANSACTIONS
                # until its markers are written; librdkafka waits this long
                # before asking again (100 ms by default: ~95 ms a commit).
                "retry.backoff.ms": 5,
            }
        )
        producer = Producer(config)
        producer.init_transactions(self._timeout)
        return producer

    # -- rebalance callbacks (run inside consumer.consume) ------------------

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Fences earlier owners first; only then are the committed offsets
        fetched (by the assignment) and the commands read."""
        for tp in partitions:
            try:
                self._producers[tp.partition] = self._new_producer(tp.partition)
            except KafkaException as error:
                # Never read a partition we cannot commit: restart instead.
                self._broken = f"cannot fence partition {tp.partition}: {error}"
                log.error("%s", self._broken)
            self._gained.add(tp.partition)
        consumer.incremental_assign(partitions)
        log.info("assigned %s", sorted(tp.partition for tp in partitions))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self._drop_producer(tp.partition)
            self._gained.discard(tp.partition)
            self._lost.add(tp.partition)
        consumer.incremental_unassign(partitions)
        log.info("revoked %s", sorted(tp.partition for tp in partitions))

    def _drop_producer(self, partition: int) -> None:
        producer = self._producers.pop(partition, None)
        if producer is not None:
            producer.flush(self._timeout)

    # -- ProcessorLog ------------------------------------------------------

    def poll(self, timeout: float) -> list[LogRecord]:
        self._check_usable()
        records = consume_records(self._consumer, timeout, keep=self._producers.__contains__)
        self._check_usable()
        return records

    def assignment_changes(self) -> AssignmentChange:
        change = AssignmentChange(
            assigned=tuple(sorted(self._gained)), revoked=tuple(sorted(self._lost))
        )
        self._gained.clear()
        self._lost.clear()
        return change

    def committed_events(self, partitions: Sequence[int]) -> Iterator[LogRecord]:
        return read_committed_partitions(self._kafka, self._events, partitions)

    def commit(
        self, partition: int, events: Sequence[OutgoingRecord], next_command_offset: int
    ) -> None:
        self._check_usable()
        producer = self._producers.get(partition)
        if producer is None:
            raise LogUnavailable(f"partition {partition} is not assigned to this processor")
        try:
            producer.begin_transaction()
            for event in events:
                produce_blocking(producer, self._events, partition, event)
            offsets = [TopicPartition(self._commands, partition, next_command_offset)]
            producer.send_offsets_to_transaction(
                offsets, self._consumer.consumer_group_metadata(), self._timeout
            )
            producer.commit_transaction(self._timeout)
        except (KafkaException, LogUnavailable) as error:
            with self._recovering:
                self._recover(partition, producer, error)
            raise LogUnavailable(f"commit to partition {partition} failed: {error}") from error

    def _check_usable(self) -> None:
        if self._broken is not None:
            raise LogUnavailable(f"processor log unusable, restart it: {self._broken}")

    # -- after a failed commit ---------------------------------------------

    def _recover(self, partition: int, producer: Producer, error: Exception) -> None:
        """Ends the failed transaction and rewinds the partition to its last
        committed command; the partition is then reported revoked and
        gained again, so the processor rebuilds it from the log."""
        log.warning("commit to partition %d failed: %s", partition, error)
        inner = kafka_error(error) if isinstance(error, KafkaException) else None
        if inner is not None and inner.fatal():
            self._fence(partition, str(inner))
            return
        try:
            if not self._abort(partition, producer):
                # Without KIP-890 a producer whose commit or abort timed out
                # is unusable; a new one also settles the pending transaction.
                self._producers.pop(partition, None)
                self._producers[partition] = self._new_producer(partition)
            self._rewind(partition)
        except KafkaException as recovery_error:
            self._broken = f"recovery of partition {partition} failed: {recovery_error}"
            log.error("%s", self._broken)
            return
        self._lost.add(partition)
        self._gained.add(partition)

    def _abort(self, partition: int, producer: Producer) -> bool:
        try:
            producer.abort_transaction(self._timeout)
        except KafkaException as abort_error:
            log.warning("abort on partition %d failed: %s", partition, abort_error)
            return False
        return True

    def _fence(self, partition: int, reason: str) -> None:
        """Another processor owns the partition: re-creating the producer
        would fence it in turn. Stop reading and committing it."""
        log.error("partition %d fenced: %s", partition, reason)
        self._producers.pop(partition, None)
        self._consumer.pause([TopicPartition(self._commands, partition)])
        self._gained.discard(partition)
        self._lost.add(partition)

    def _rewind(self, partition: int) -> None:
        tp = TopicPartition(self._commands, partition)
        committed = self._consumer.committed([tp], timeout=self._timeout)[0].offset
        target = committed if committed >= 0 else OFFSET_BEGINNING
        self._consumer.seek(TopicPartition(self._commands, partition, target))

    def close(self) -> None:
        """Leaves the group; uncommitted work is simply not committed."""
        if self._closed:
            return
        self._closed = True
        self._consumer.close()
        for partition in list(self._producers):
            self._drop_producer(partition)
