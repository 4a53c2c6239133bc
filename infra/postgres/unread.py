"""The badge: a user's unread messages over all conversations, from the chat
read models (messages from others above the member's read watermark).

Two statements: the user's conversations from the inbox index (one shard on
Citus), then the count over those conversations only (their shards)."""

from __future__ import annotations

from psycopg import sql
from psycopg_pool import ConnectionPool

_CONVERSATIONS = "SELECT conversation_id FROM {s}.inbox WHERE user_id = %(user_id)s"

_UNREAD = """
SELECT coalesce(sum((
    SELECT count(*) FROM {s}.messages u
    WHERE u.conversation_id = m.conversation_id
      AND u.seq > m.read_seq AND u.sender_id <> m.user_id)), 0) AS unread
FROM {s}.members m
WHERE m.user_id = %(user_id)s AND m.conversation_id = ANY(%(conversation_ids)s::text[])
"""


class PostgresUnreadCounter:
    def __init__(self, pool: ConnectionPool, schema: str) -> None:
        self._pool = pool
        self._conversations = sql.SQL(_CONVERSATIONS).format(s=sql.Identifier(schema))
        self._sql = sql.SQL(_UNREAD).format(s=sql.Identifier(schema))

    @classmethod
    def from_dsn(cls, dsn: str, schema: str) -> PostgresUnreadCounter:
        return cls(ConnectionPool(dsn, min_size=1, max_size=2, open=False), schema)

    def close(self) -> None:
        self._pool.close()

    def unread_total(self, user_id: str) -> int:
        self._pool.open()
        with self._pool.connection() as conn:
            rows = conn.execute(self._conversations, {"user_id": user_id}).fetchall()
            if not rows:
                return 0
            params = {"user_id": user_id, "conversation_ids": [row[0] for row in rows]}
            row = conn.execute(self._sql, params).fetchone()
            return int(row[0]) if row else 0
