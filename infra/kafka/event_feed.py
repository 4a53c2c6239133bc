"""The projector's EventFeed on Kafka: a consumer group that spreads the
partitions of one topic, reads committed records only, and never commits
offsets to Kafka: where a partition starts is the view's business
(``start_offset(partition)``, from its tracking table)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from confluent_kafka import Consumer, TopicPartition

from domain.records import LogRecord
from infra.kafka.config import KafkaConfig
from infra.kafka.lag import LagListener, LagReporter
from infra.kafka.records import cached_backlog, consume_records

log = logging.getLogger(__name__)


class KafkaEventFeed:
    def __init__(
        self,
        kafka: KafkaConfig,
        topic: str,
        group: str,
        start_offset: Callable[[int], int],
        on_lag: LagListener | None = None,
    ) -> None:
        self._start_offset = start_offset
        self._lag = LagReporter(on_lag)
        self._closed = False
        config = kafka.client(
            {
                "group.id": group,
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "partition.assignment.strategy": "cooperative-sticky",
                **kafka.membership(),
                # A read_committed fetch is not answered when a transaction
                # commits, only when it times out: keep that wait short.
                "fetch.wait.max.ms": 20,
            }
        )
        self._consumer = Consumer(config)
        self._consumer.subscribe(
            [topic], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_revoke
        )

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        starts = [
            TopicPartition(tp.topic, tp.partition, self._start_offset(tp.partition))
            for tp in partitions
        ]
        consumer.incremental_assign(starts)
        log.info("feed assigned %s", [(tp.partition, tp.offset) for tp in starts])

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        consumer.incremental_unassign(partitions)
        log.info("feed revoked %s", sorted(tp.partition for tp in partitions))

    def poll(self, timeout: float) -> list[LogRecord]:
        records = consume_records(self._consumer, timeout)
        self._lag.maybe_report(self._consumer, self._consumer.assignment)
        return records

    def backlog(self) -> int:
        return cached_backlog(self._consumer, self._consumer.assignment())

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._consumer.close()
