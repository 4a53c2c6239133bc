"""An async connection pool that a store either owns or shares."""

from __future__ import annotations

from typing import LiteralString

from psycopg import sql
from psycopg_pool import AsyncConnectionPool


def async_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> AsyncConnectionPool:
    """A closed pool of autocommit connections; ``await pool.open()`` it."""
    return AsyncConnectionPool(
        dsn, min_size=min_size, max_size=max_size, open=False, kwargs={"autocommit": True}
    )


def in_schema(text: LiteralString, schema: str, **parts: sql.Composable) -> sql.Composed:
    return sql.SQL(text).format(s=sql.Identifier(schema), **parts)


class PooledStore:
    """With ``pool``, that (shared) pool is used and ``dsn`` may be empty;
    without, the store makes its own and opens and closes it."""

    def __init__(self, dsn: str, pool: AsyncConnectionPool | None) -> None:
        if pool is None and not dsn:
            raise ValueError(f"{type(self).__name__} needs a dsn or a pool")
        self._owns_pool = pool is None
        self._pool = pool if pool is not None else async_pool(dsn)

    @property
    def pool(self) -> AsyncConnectionPool:
        return self._pool

    async def open(self) -> None:
        if self._owns_pool:
            await self._pool.open(wait=True)

    async def close(self) -> None:
        if self._owns_pool:
            await self._pool.close()
