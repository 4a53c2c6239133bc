"""A transactional producer that lost every broker (a broker restart) is
replaced before its next transaction instead of wedging in it
(infra/kafka/transactions.py), on a fake librdkafka producer."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from confluent_kafka import KafkaError, KafkaException

from infra.kafka import transactions
from infra.kafka.config import KafkaConfig
from infra.kafka.transactions import TransactionalProducer


class FakeProducer:
    """Records the transactional calls; ``queued`` errors reach the
    producer's ``error_cb`` at its next ``poll``, as librdkafka's do."""

    made: ClassVar[list[FakeProducer]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        self.error_cb: Callable[[KafkaError], None] = config["error_cb"]
        self.queued: list[KafkaError] = []
        self.calls: list[str] = []
        FakeProducer.made.append(self)

    def init_transactions(self, timeout: float) -> None:
        self.calls.append("init_transactions")
        if len(FakeProducer.made) == 1 and self.outage_while_made:
            self.queued.append(KafkaError(KafkaError._ALL_BROKERS_DOWN))

    outage_while_made: ClassVar[bool] = False

    def poll(self, timeout: float) -> int:
        errors, self.queued = self.queued, []
        for error in errors:
            self.error_cb(error)
        return 0

    def begin_transaction(self) -> None:
        self.calls.append("begin_transaction")

    def send_offsets_to_transaction(self, offsets: Any, metadata: Any, timeout: float) -> None:
        self.calls.append("send_offsets_to_transaction")

    def commit_transaction(self, timeout: float) -> None:
        self.calls.append("commit_transaction")

    def flush(self, timeout: float) -> int:
        return 0


@pytest.fixture
def fake_producers(monkeypatch: pytest.MonkeyPatch) -> list[FakeProducer]:
    FakeProducer.made = []
    FakeProducer.outage_while_made = False
    monkeypatch.setattr(transactions, "Producer", FakeProducer)
    return FakeProducer.made


def producer() -> TransactionalProducer:
    return TransactionalProducer(KafkaConfig("127.0.0.1:1"), "test-txn", threading.Event())


def test_a_producer_that_lost_every_broker_commits_its_next_transaction_on_a_new_one(
    fake_producers: list[FakeProducer],
) -> None:
    txn = producer()
    fake_producers[0].queued.append(KafkaError(KafkaError._ALL_BROKERS_DOWN))
    txn.commit("events", [], [], None)
    first, second = fake_producers
    assert "begin_transaction" not in first.calls
    assert second.calls == [
        "init_transactions",
        "begin_transaction",
        "send_offsets_to_transaction",
        "commit_transaction",
    ]
    txn.close()


def test_a_producer_that_kept_its_brokers_is_kept(fake_producers: list[FakeProducer]) -> None:
    txn = producer()
    fake_producers[0].queued.append(KafkaError(KafkaError._TRANSPORT))
    txn.commit("events", [], [], None)
    txn.commit("events", [], [], None)
    assert len(fake_producers) == 1
    assert fake_producers[0].calls.count("commit_transaction") == 2
    txn.close()


def test_an_outage_while_the_producer_was_made_does_not_replace_it(
    fake_producers: list[FakeProducer],
) -> None:
    FakeProducer.outage_while_made = True
    txn = producer()
    txn.commit("events", [], [], None)
    assert len(fake_producers) == 1
    assert "commit_transaction" in fake_producers[0].calls
    txn.close()


class ForgottenProducer(FakeProducer):
    """A fake nothing else refers to, which says on which thread it was destroyed."""

    destroyed_on: ClassVar[list[str]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        self.error_cb = config["error_cb"]
        self.queued, self.calls = [], []

    def __del__(self) -> None:
        ForgottenProducer.destroyed_on.append(threading.current_thread().name)


def producer_made_of(
    fake: type[ForgottenProducer], monkeypatch: pytest.MonkeyPatch
) -> TransactionalProducer:
    """A transactional producer whose librdkafka producers are ``fake``s."""
    ForgottenProducer.destroyed_on = []
    monkeypatch.setattr(transactions, "Producer", fake)
    return producer()


def thread_that_destroyed_it() -> str:
    """The name of the thread the replaced producer was destroyed on (bounded wait)."""
    deadline = time.monotonic() + 5
    while not ForgottenProducer.destroyed_on:
        assert time.monotonic() < deadline, "the replaced producer was never destroyed"
        gc.collect()  # what would destroy it in this thread
        time.sleep(0.01)
    return ForgottenProducer.destroyed_on[0]


def test_a_replaced_producer_is_destroyed_on_its_own_thread_not_the_callers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    txn = producer_made_of(ForgottenProducer, monkeypatch)
    txn.replace("a test")
    assert thread_that_destroyed_it().startswith("txn-producer")
    txn.close()


class FencedProducer(ForgottenProducer):
    def commit_transaction(self, timeout: float) -> None:
        raise KafkaException(KafkaError(KafkaError._FENCED, fatal=True))


def test_a_producer_replaced_after_a_fatal_error_is_destroyed_on_its_own_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    txn = producer_made_of(FencedProducer, monkeypatch)
    with pytest.raises(transactions.ProducerReplaced):
        txn.commit("events", [], [], None)
    assert thread_that_destroyed_it().startswith("txn-producer")
    txn.close()
