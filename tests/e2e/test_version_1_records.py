"""Records written by the code before MessagePosted v2 (tests/data), put on
a real topic as they were, still project, replay (upcast, with no
attachments) and verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from confluent_kafka import Producer

from infra.partitioning import partition_for
from tests.e2e.log_tools import replayed, run_cli, stack_environment, wait_until
from tests.e2e.processes import Stack

V1_RECORDS = Path(__file__).resolve().parents[1] / "data" / "v1_records.json"


@pytest.fixture
def projector(
    tmp_path: Path,
    unique_name: str,
    kafka_bootstrap: str,
    postgres_dsn: str,
    redis_url: str,
) -> Iterator[Stack]:
    from tests.e2e.conftest import _drop_namespace

    env = stack_environment(unique_name, kafka_bootstrap, postgres_dsn, redis_url)
    running = Stack(env, tmp_path)
    running.start("projector")
    try:
        yield running
    finally:
        running.stop_all()
        _drop_namespace(unique_name, kafka_bootstrap, postgres_dsn)


def produce_v1_records(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(V1_RECORDS.read_text("utf-8"))["records"]
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for record in records:
        producer.produce(
            topic,
            key=record["key"].encode(),
            value=record["value"].encode("utf-8"),
            partition=partition_for(record["key"], 4),
            headers=list(record["headers"].items()),
        )
    assert producer.flush(30) == 0
    return records


def rows(dsn: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as connection:
        return connection.execute(query).fetchall()


def test_version_1_records_project_replay_and_verify(projector: Stack) -> None:
    env = projector.env
    schema, topic = env["CHAT_PG_SCHEMA"], f"{env['CHAT_TOPIC_PREFIX']}chat.events"

    def topic_ready() -> bool:
        return run_cli(env, "audit", "verify").returncode == 0

    wait_until(topic_ready)
    records = produce_v1_records(env["CHAT_KAFKA_BOOTSTRAP"], topic)
    dsn = env["CHAT_POSTGRES_DSN"]
    wait_until(lambda: len(rows(dsn, f'SELECT 1 FROM "{schema}".audit_events')) == len(records))
    messages = rows(dsn, f'SELECT seq, body FROM "{schema}".messages ORDER BY seq')
    assert messages == [(1, "héllo, v1"), (2, "second one")]
    read = rows(dsn, f"SELECT read_seq FROM \"{schema}\".members WHERE user_id = 'u-ben'")
    assert read == [(2,)]
    replay = [r for r in replayed(env, "--topics", "events") if r["type"] == "MessagePosted"]
    assert [(r["schema_version"], r["data"]["attachments"]) for r in replay] == [(1, []), (1, [])]
    verified = run_cli(env, "audit", "verify", "--conversation", records[0]["key"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "1 chain(s), 4 chained events: intact" in verified.stdout
