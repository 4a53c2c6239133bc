"""Contacts from the members table: who shares a conversation with whom."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from infra.postgres.pool import in_schema

_CONTACTS = """
SELECT DISTINCT other.user_id FROM {s}.members mine
JOIN {s}.members other ON other.conversation_id = mine.conversation_id
WHERE mine.user_id = %(user_id)s AND other.user_id <> %(user_id)s
"""

_SHARES = """
SELECT EXISTS (
  SELECT 1 FROM {s}.members mine
  JOIN {s}.members other ON other.conversation_id = mine.conversation_id
  WHERE mine.user_id = %(user_id)s AND other.user_id = %(other_id)s
) AS yes
"""


class PostgresContactDirectory:
    """The projector's (sync) list of a user's contacts, one query per change."""

    def __init__(self, dsn: str, schema: str) -> None:
        self._pool = ConnectionPool(
            dsn, min_size=1, max_size=2, open=False, kwargs={"autocommit": True}
        )
        self._contacts = in_schema(_CONTACTS, schema)

    def open(self) -> None:
        self._pool.open(wait=True)

    def close(self) -> None:
        self._pool.close()

    def contacts(self, user_id: str) -> Sequence[str]:
        with self._pool.connection() as connection, connection.cursor(row_factory=dict_row) as cur:
            cur.execute(self._contacts, {"user_id": user_id})
            return [row["user_id"] for row in cur.fetchall()]


class PostgresContacts:
    """The edge's (async) check that two users share a conversation."""

    def __init__(self, pool: AsyncConnectionPool, schema: str) -> None:
        self._pool = pool
        self._shares = in_schema(_SHARES, schema)

    async def shares_conversation(self, user_id: str, other_id: str) -> bool:
        async with self._pool.connection() as connection:
            cur = connection.cursor(row_factory=dict_row)
            await cur.execute(self._shares, {"user_id": user_id, "other_id": other_id})
            row = await cur.fetchone()
            return bool(row and row["yes"])
