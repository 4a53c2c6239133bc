"""Which errors of a transactional call the processor's producer makes the
same call again for, and which end the transaction (librdkafka's
transactional error handling: retriable, abortable, fatal)."""

from __future__ import annotations

from confluent_kafka import KafkaError

from infra.kafka.transactions import retriable


def test_a_call_that_timed_out_waiting_is_made_again() -> None:
    waited = KafkaError(KafkaError._TIMED_OUT, "retry call to resume", retriable=True)
    assert retriable(waited)


def test_a_timeout_without_flags_is_made_again() -> None:
    assert retriable(KafkaError(KafkaError._TIMED_OUT, "init_transactions timed out"))


def test_a_coordinator_that_moved_is_asked_again() -> None:
    moved = KafkaError(KafkaError.NOT_COORDINATOR, "not coordinator", retriable=True)
    assert retriable(moved)


def test_a_transaction_whose_records_timed_out_is_aborted_not_retried() -> None:
    timed_out = KafkaError(
        KafkaError._TIMED_OUT, "9 message(s) timed out on chat.events [2]", txn_requires_abort=True
    )
    assert not retriable(timed_out)


def test_a_retriable_error_that_requires_an_abort_is_aborted() -> None:
    both = KafkaError(KafkaError._TIMED_OUT, "x", retriable=True, txn_requires_abort=True)
    assert not retriable(both)


def test_a_fenced_producer_is_not_retried() -> None:
    assert not retriable(KafkaError(KafkaError._FENCED, "fenced", fatal=True))
