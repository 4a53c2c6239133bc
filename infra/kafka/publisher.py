"""The edge's LogPublisher on Kafka: an idempotent producer whose
``publish`` returns only once the broker has the record durably (acks=all).

A background thread serves delivery reports (``producer.poll``) and settles
the asyncio futures through ``loop.call_soon_threadsafe``; the event loop
itself never waits on librdkafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from commands.ports import LogUnavailable
from domain.records import OutgoingRecord
from infra.kafka.config import KafkaConfig
from infra.kafka.probe import check_topic_metadata
from infra.kafka.records import DeliveryCallback, try_produce
from infra.partitioning import partition_for

log = logging.getLogger(__name__)

Delivery = asyncio.Future[None]


def _settle(future: Delivery, error: KafkaError | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(LogUnavailable(f"delivery failed: {error}"))


def _on_errors(on_fatal: Callable[[], None]) -> Callable[[KafkaError], None]:
    """An idempotent producer that hit a fatal error refuses every later send:
    ``on_fatal`` decides what then (the edge stops, for its supervisor)."""

    def handle(error: KafkaError) -> None:
        if error.fatal():
            log.critical("fatal Kafka producer error: %s", error)
            on_fatal()
        else:
            log.warning("kafka error: %s", error)

    return handle


class KafkaPublisher:
    """Appends records to one topic (``chat.commands`` or ``chat.presence``).
    ``start()`` before the first publish, ``close()`` at shutdown; close
    flushes what is in flight."""

    def __init__(
        self,
        kafka: KafkaConfig,
        topic: str,
        partitions: int,
        delivery_timeout: float = 10.0,
        on_fatal: Callable[[], None] = lambda: None,
    ) -> None:
        self._topic = topic
        self._partitions = partitions
        self._timeout = delivery_timeout
        self._config = kafka.client(
            {
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 0,
                "message.timeout.ms": int(delivery_timeout * 1000),
                "error_cb": _on_errors(on_fatal),
            }
        )
        self._producer: Producer | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Connects and checks the topic has the configured partitions.
        Blocks for a metadata round trip: call it before serving."""
        producer = Producer(self._config)
        try:
            metadata = producer.list_topics(self._topic, timeout=self._timeout)
        except KafkaException as error:
            raise LogUnavailable(f"no metadata for {self._topic}: {error}") from error
        topic = metadata.topics.get(self._topic)
        if topic is None or topic.error is not None:
            raise LogUnavailable(f"topic {self._topic} is not available")
        if len(topic.partitions) != self._partitions:
            raise LogUnavailable(
                f"topic {self._topic} has {len(topic.partitions)} partitions, "
                f"expected {self._partitions}"
            )
        self._producer = producer
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="kafka-publisher", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        producer = self._producer
        assert producer is not None
        while not self._stop.is_set():
            producer.poll(0.05)

    async def publish(self, record: OutgoingRecord) -> None:
        producer = self._producer
        if producer is None:
            raise LogUnavailable("publisher is not started")
        loop = asyncio.get_running_loop()
        future: Delivery = loop.create_future()

        def on_delivery(error: KafkaError | None, _message: Message) -> None:
            # A closed loop raises RuntimeError: nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, error)

        partition = partition_for(record.key, self._partitions)
        await self._produce(producer, partition, record, on_delivery)
        try:
            await asyncio.wait_for(future, self._timeout)
        except TimeoutError:
            raise LogUnavailable(f"no acknowledgement within {self._timeout}s") from None

    async def _produce(
        self,
        producer: Producer,
        partition: int,
        record: OutgoingRecord,
        on_delivery: DeliveryCallback,
    ) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                try_produce(producer, self._topic, partition, record, on_delivery)
                return
            except KafkaException as error:  # e.g. a record larger than allowed
                raise LogUnavailable(f"cannot produce: {error}") from error
            except BufferError:
                if time.monotonic() >= deadline:
                    raise LogUnavailable("producer queue full") from None
                # The poll thread drains the queue; give it a moment.
                await asyncio.sleep(0.01)

    def check(self, timeout: float) -> None:
        """Readiness: the producer gets the topic's metadata from a broker
        (blocks up to ``timeout``; call it from a thread)."""
        producer = self._producer
        if producer is None:
            raise LogUnavailable("publisher is not started")
        check_topic_metadata(producer, self._topic, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Stops the poll thread and flushes; blocks up to ``timeout``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._producer is not None:
            self._producer.flush(timeout)
            self._producer = None
