"""A consumer group member heartbeats every tenth of its session, so that
its session outlives most of a coordinator's move (a killed broker)."""

from __future__ import annotations

from infra.kafka.config import KafkaConfig


def test_a_member_heartbeats_every_tenth_of_its_session() -> None:
    membership = KafkaConfig("127.0.0.1:1", session_timeout_ms=6_000).membership()
    assert membership == {"session.timeout.ms": 6_000, "heartbeat.interval.ms": 600}


def test_a_short_session_still_heartbeats_no_more_than_ten_times_a_second() -> None:
    membership = KafkaConfig("127.0.0.1:1", session_timeout_ms=500).membership()
    assert membership["heartbeat.interval.ms"] == 100
