from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from confluent_kafka.admin import AdminClient

from tests.conftest import KAFKA_REPLICATION_FACTOR
from tests.e2e.processes import Stack


@pytest.fixture
def stack_env(
    unique_name: str, kafka_bootstrap: str, postgres_dsn: str, redis_url: str
) -> dict[str, str]:
    return namespace_env(unique_name, kafka_bootstrap, postgres_dsn, redis_url)


def namespace_env(
    unique_name: str, kafka_bootstrap: str, postgres_dsn: str, redis_url: str
) -> dict[str, str]:
    """The environment of a stack on its own topics, schema and Redis keys."""
    return {
        "CHAT_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "CHAT_POSTGRES_DSN": postgres_dsn,
        "CHAT_REDIS_URL": redis_url,
        "CHAT_TOPIC_PREFIX": f"{unique_name}.",
        "CHAT_CONSUMER_GROUP_PREFIX": unique_name,
        "CHAT_PG_SCHEMA": unique_name,
        "CHAT_REDIS_PREFIX": f"{unique_name}:",
        "CHAT_PARTITIONS": "4",
        "CHAT_REPLICATION_FACTOR": KAFKA_REPLICATION_FACTOR,
        "CHAT_PRESENCE_TTL_SECONDS": "6",
        "CHAT_LOGIN_ATTEMPTS_PER_MINUTE": "600",
        "CHAT_SEND_RATE_PER_SECOND": "1000",
        "CHAT_SEND_BURST": "1000",
        "CHAT_READ_RATE_PER_SECOND": "1000",
        "CHAT_READ_BURST": "1000",
    }


@pytest.fixture
def extra_env() -> dict[str, str]:
    """Overridden by a test module that needs other settings."""
    return {}


@pytest.fixture
def stack(
    tmp_path: Path,
    unique_name: str,
    kafka_bootstrap: str,
    postgres_dsn: str,
    stack_env: dict[str, str],
    extra_env: dict[str, str],
) -> Iterator[Stack]:
    running = Stack({**stack_env, **extra_env}, tmp_path)
    running.start_all()
    try:
        yield running
    finally:
        running.stop_all()
        _drop_namespace(unique_name, kafka_bootstrap, postgres_dsn)


def _drop_namespace(name: str, kafka_bootstrap: str, postgres_dsn: str) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(f"{name}.")]
    if topics:
        for future in admin.delete_topics(topics).values():
            future.result(timeout=30)
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        schemas = connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{name}%",)
        ).fetchall()
        for (schema,) in schemas:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
