"""One transactional producer per processor instance (KIP-447), driven as
the librdkafka transactions documentation says: every call has a timeout;
a retriable error retries the same call; an abortable one aborts the
transaction; a fatal one (fenced, or a producer left in a state it cannot
leave) replaces the producer.

Each producer has one thread of its own that makes every call on it, so no
two calls ever act on one producer at once, and the processor waits for
each call at most ``CALL_BOUND`` seconds: librdkafka does not always keep
its own timeouts (``send_offsets_to_transaction`` can block for as long as
the group coordinator is unreachable, librdkafka issues #5456 and #5511).
A producer whose call overran is abandoned to its thread and replaced; the
new one's ``init_transactions`` fences it.

A producer that lost every broker (librdkafka's ``_ALL_BROKERS_DOWN``: a
broker restart) is replaced before its next transaction: one that lived
through a broker restart was seen to wedge in its first
``send_offsets_to_transaction`` afterwards for the whole ``CALL_BOUND``, then
be replaced anyway and its partitions rebuilt (docs/operations.md, "A slow
reader after a broker restart"); a new one costs one ``init_transactions``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as CallTimedOut
from typing import Any, NoReturn, TypeVar

from confluent_kafka import KafkaError, KafkaException, Message, Producer, TopicPartition

from commands.ports import LogStuck
from domain.records import OutgoingRecord
from infra.kafka.config import KafkaConfig
from infra.kafka.records import kafka_error, produce_blocking

log = logging.getLogger(__name__)
T = TypeVar("T")

CALL_TIMEOUT = 5.0
"""Seconds each librdkafka transactional call is given."""
CALL_BOUND = CALL_TIMEOUT + 3.0
"""Seconds the processor waits for any call before it gives the producer up.
A call librdkafka returns from in time is back after CALL_TIMEOUT; one that
is not is wedged (after a leader kill: given up after 10 s, it came back
after 13.7 s with ``_TIMED_OUT``, the coordinators having moved 8 s
earlier), so waiting longer only delays the replacement."""
TRANSACTION_TIMEOUT_MS = 10_000
"""After this, the coordinator aborts a transaction its producer left open
(a processor killed mid-commit): its partitions are stable again."""


class TransactionFailed(Exception):
    """The transaction did not commit and was aborted (nothing of it is
    visible): the caller rewinds the partitions it held."""


class ProducerReplaced(TransactionFailed):
    """The transaction did not commit and the producer had to be replaced."""


class _Overran(Exception):
    """A call did not return within CALL_BOUND."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} did not return within {CALL_BOUND:.0f} s")


class _DrivenProducer:
    """A producer and the one thread that makes every call on it."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="txn-producer")
        self.brokers_lost = False  # every broker was down since the last transaction
        self._report = config.get("error_cb")
        watched = {**config, "error_cb": self._on_error}
        self.producer: Producer | None = self._worker.submit(Producer, watched).result()

    def _on_error(self, error: KafkaError) -> None:
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self.brokers_lost = True
        if self._report is not None:
            self._report(error)

    def lost_brokers(self) -> bool:
        """Whether every broker was down since the producer was last asked
        (its queued error callbacks served first)."""
        self.call("poll", lambda p: p.poll(0))
        lost, self.brokers_lost = self.brokers_lost, False
        return lost

    def call(self, name: str, work: Callable[[Producer], T]) -> T:
        assert self.producer is not None, "a call on an abandoned producer"
        future: Future[T] = self._worker.submit(work, self.producer)
        try:
            return future.result(CALL_BOUND)
        except CallTimedOut:
            _report_when_done(name, future, time.monotonic() - CALL_BOUND)
            raise _Overran(name) from None
        except BaseException as error:
            # Its frames on the worker hold the producer: cleared, so that
            # the error (kept as a cause) does not keep it for the collector.
            traceback.clear_frames(error.__traceback__)
            raise

    def abandon(self) -> None:
        """Leaves a wedged call to finish (or not) on its own thread, and the
        producer to be destroyed there after it. Otherwise the garbage
        collector destroys it (its error callback refers to this object: a
        cycle) in whatever thread it runs, holding up that thread, and any
        lock it holds, for as long as ``rd_kafka_destroy`` takes."""
        self._worker.submit(self._release)
        self._worker.shutdown(wait=False)

    def _release(self) -> None:
        self.producer = None  # the last reference: destroyed here, on the worker


class TransactionalProducer:
    def __init__(
        self,
        kafka: KafkaConfig,
        transactional_id: str,
        stop: threading.Event,
        deadline: float = 60.0,
    ) -> None:
        self._config = kafka.client(
            {
                "transactional.id": transactional_id,
                "transaction.timeout.ms": TRANSACTION_TIMEOUT_MS,
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 0,
                # After a commit the broker answers CONCURRENT_TRANSACTIONS
                # until its markers are written; librdkafka waits this long
                # before asking again (100 ms by default: ~95 ms a commit).
                "retry.backoff.ms": 5,
            }
        )
        self._stop = stop
        self._deadline = deadline
        self._driven = self._new_producer()

    def commit(
        self,
        topic: str,
        events: Sequence[tuple[int, OutgoingRecord]],
        offsets: list[TopicPartition],
        group_metadata: Any,
        parked: tuple[str, Sequence[tuple[int, OutgoingRecord]]] = ("", ()),
    ) -> dict[int, int]:
        """Appends ``events`` (partition, record), ``parked`` records to
        their topic, and commits ``offsets`` for the consumer group,
        atomically; returns, per partition, the offset
        after the last of its events that the broker reported (lower, never
        higher, than the truth if a report was still outstanding). Raises
        TransactionFailed (aborted, the producer still usable),
        ProducerReplaced, or LogStuck when not even that could be done in
        time (the caller must not go on)."""
        ends: dict[int, int] = {}

        def delivered(error: KafkaError | None, message: Message) -> None:
            partition, offset = message.partition(), message.offset()
            if error is None and partition is not None and offset is not None:
                ends[partition] = max(ends.get(partition, 0), offset + 1)

        def produce_all(producer: Producer) -> None:
            producer.begin_transaction()
            for partition, record in events:
                produce_blocking(producer, topic, partition, record, delivered)
            parked_topic, parked_records = parked
            for partition, record in parked_records:
                produce_blocking(producer, parked_topic, partition, record)

        try:
            if self._driven.lost_brokers():
                self.replace("every broker was down since its last transaction")
            self._driven.call("begin_transaction and produce", produce_all)
            self._retrying(
                "send_offsets_to_transaction",
                lambda p: p.send_offsets_to_transaction(offsets, group_metadata, CALL_TIMEOUT),
            )
            self._retrying("commit_transaction", lambda p: p.commit_transaction(CALL_TIMEOUT))
        except (KafkaException, LogStuck, _Overran) as error:
            self._end_failed_transaction(error)
        return ends

    def replace(self, reason: str) -> None:
        """A new producer (its ``init_transactions`` fences this one) before
        the next transaction, without waiting for this one to fail."""
        log.info("replacing the transactional producer: %s", reason)
        self._driven.abandon()
        self._driven = self._new_producer()

    def close(self) -> None:
        with contextlib.suppress(_Overran):
            self._driven.call("flush", lambda p: p.flush(0))
        self._driven.abandon()

    # -- failures ----------------------------------------------------------

    def _end_failed_transaction(self, error: Exception) -> NoReturn:
        inner = kafka_error(error) if isinstance(error, KafkaException) else None
        if inner is not None and not inner.fatal():
            try:
                self._retrying("abort_transaction", lambda p: p.abort_transaction(CALL_TIMEOUT))
            except (KafkaException, LogStuck, _Overran) as abort_error:
                log.warning("abort failed (%s): replacing the producer", abort_error)
            else:
                raise TransactionFailed(f"transaction aborted: {error}") from error
        log.warning("replacing the transactional producer after: %s", error)
        self._driven.abandon()
        self._driven = self._new_producer()
        raise ProducerReplaced(f"producer replaced after: {error}") from error

    def _new_producer(self) -> _DrivenProducer:
        """A producer whose ``init_transactions`` fenced any earlier one with
        the same id and ended its open transaction."""
        deadline = time.monotonic() + self._deadline
        while True:
            driven = _DrivenProducer(self._config)
            try:
                self._retrying(
                    "init_transactions", lambda p: p.init_transactions(CALL_TIMEOUT), driven
                )
                driven.lost_brokers()  # an outage while it was made is no news
                return driven
            except _Overran:
                driven.abandon()
                if self._stop.is_set() or time.monotonic() >= deadline:
                    raise LogStuck("init_transactions did not return in time") from None

    def _retrying(
        self, name: str, call: Callable[[Producer], T], driven: _DrivenProducer | None = None
    ) -> T:
        """``call`` on the producer, again while it fails with a retriable
        error, until the deadline or a stop."""
        target = driven or self._driven
        deadline = time.monotonic() + self._deadline
        while True:
            try:
                return target.call(name, call)
            except KafkaException as error:
                inner = kafka_error(error)
                if inner is None or not retriable(inner):
                    raise
                if self._stop.is_set() or time.monotonic() >= deadline:
                    raise LogStuck(f"{name} did not succeed in time: {error}") from error
                log.info("%s: %s; retrying", name, inner)


def _report_when_done(name: str, future: Future[Any], began: float) -> None:
    """Logs when a call that overran returns after all, and how: whether
    librdkafka was wedged or only slower than ``CALL_BOUND``."""

    def returned(done: Future[Any]) -> None:
        error = None if done.cancelled() else done.exception()
        log.info(
            "%s, given up after %.0f s, returned after %.1f s: %s",
            name,
            CALL_BOUND,
            time.monotonic() - began,
            error or "success",
        )

    future.add_done_callback(returned)


def retriable(error: KafkaError) -> bool:
    """Whether the same call may simply be made again. Never when the
    transaction must be aborted: a produce of it that timed out (its
    partition's leader gone for ``message.timeout.ms``) makes every later
    call fail at once with ``_TIMED_OUT``, so retrying it only spins until
    the deadline (seen after a leader kill: 49 s of retries, then a
    replaced producer); aborting and starting again takes a moment."""
    if error.txn_requires_abort() or error.fatal():
        return False
    return bool(error.retriable()) or error.code() == KafkaError._TIMED_OUT
