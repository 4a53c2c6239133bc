"""Shared test settings: where the real services are (started by `make test`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support.redis_cluster import URL as REDIS_CLUSTER_URL
from tests.support.redis_cluster import redis_cluster_down, redis_cluster_up

settings.register_profile("chat", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("chat")
"""Property tests check behaviour, never timing: no per-example deadline
and no too-slow health check, which fail on a loaded machine (a timed
assertion by another name)."""

KAFKA_BOOTSTRAP = os.environ.get("CHAT_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
POSTGRES_DSN = os.environ.get(
    "CHAT_TEST_POSTGRES_DSN", "postgresql://chat:chat@127.0.0.1:5432/chat_test"
)
REDIS_URL = os.environ.get("CHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
KAFKA_REPLICATION_FACTOR = os.environ.get("CHAT_TEST_KAFKA_REPLICATION_FACTOR", "1")
"""Replicas of the topics the end-to-end stacks create: 3 on the cluster
(``make test-cluster``), with ``min.insync.replicas`` min(2, RF)."""


@pytest.fixture
def kafka_bootstrap() -> str:
    return KAFKA_BOOTSTRAP


@pytest.fixture
def postgres_dsn() -> str:
    return POSTGRES_DSN


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture(scope="session")
def redis_cluster_url() -> Iterator[str]:
    """A six-node Redis Cluster (scripts/redis-cluster.sh), started on first
    use and stopped at the end if this session started it."""
    started = redis_cluster_up()
    yield REDIS_CLUSTER_URL
    if started:
        redis_cluster_down()


@pytest.fixture
def unique_name() -> str:
    return f"t{uuid.uuid4().hex[:12]}"
