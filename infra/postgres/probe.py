"""Is PostgreSQL reachable: ``SELECT 1`` on a connection of its own (a
role's readiness) or of the edge's pool, bounded."""

from __future__ import annotations

import math

import psycopg
from psycopg_pool import AsyncConnectionPool


def ping_postgres(dsn: str, timeout: float) -> None:
    """Raises psycopg.Error unless a fresh connection answers."""
    with psycopg.connect(dsn, connect_timeout=max(1, math.ceil(timeout))) as connection:
        connection.execute("SELECT 1")


async def ping_pool(pool: AsyncConnectionPool, timeout: float) -> None:
    """Raises unless a pooled connection answers within ``timeout``."""
    async with pool.connection(timeout=timeout) as connection:
        await connection.execute("SELECT 1")
