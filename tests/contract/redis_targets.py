"""The Redis targets of the Redis-backed contract suites: one Redis and a
Redis Cluster (``redis_cluster`` mark; ``make test-cluster`` runs those)."""

from __future__ import annotations

from typing import Any

import pytest

REDIS = "redis"
CLUSTER = "redis-cluster"
TARGETS: list[Any] = [REDIS, pytest.param(CLUSTER, marks=pytest.mark.redis_cluster)]
"""Parameters: every Redis target."""
WITH_MEMORY: list[Any] = ["memory", *TARGETS]


def url_for(request: pytest.FixtureRequest, kind: str) -> str:
    """The URL of ``kind``'s Redis (the cluster is started on first use)."""
    fixture = "redis_cluster_url" if kind == CLUSTER else "redis_url"
    url: str = request.getfixturevalue(fixture)
    return url
