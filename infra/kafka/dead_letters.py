"""The projector's way onto the dead-letter topic: one idempotent producer,
each parked record acknowledged by the brokers before ``park`` returns."""

from __future__ import annotations

from confluent_kafka import KafkaError, Message, Producer

from commands.ports import LogUnavailable
from domain.records import OutgoingRecord
from infra.kafka.config import KafkaConfig
from infra.kafka.records import produce_blocking
from infra.partitioning import partition_for
from projections.ports import ViewUnavailable

PARK_TIMEOUT = 30.0


class KafkaDeadLetters:
    def __init__(self, kafka: KafkaConfig, topic: str, partitions: int) -> None:
        self._topic = topic
        self._partitions = partitions
        self._producer = Producer(
            kafka.client({"enable.idempotence": True, "acks": "all", "linger.ms": 0})
        )

    def park(self, record: OutgoingRecord) -> None:
        failures: list[KafkaError] = []

        def delivered(error: KafkaError | None, message: Message) -> None:
            if error is not None:
                failures.append(error)

        partition = partition_for(record.key, self._partitions)
        try:
            produce_blocking(self._producer, self._topic, partition, record, delivered)
        except LogUnavailable as error:
            raise ViewUnavailable(str(error)) from error
        if self._producer.flush(PARK_TIMEOUT) != 0 or failures:
            raise ViewUnavailable(f"{self._topic} did not take a parked record: {failures}")

    def close(self) -> None:
        self._producer.flush(PARK_TIMEOUT)
