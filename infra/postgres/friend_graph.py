"""The friends graph as the presence projector reads it (sync): a user's
friends, and everyone in a block with it either way, in one query."""

from __future__ import annotations

from typing import Final

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from infra.postgres.pool import in_schema
from projections.friends_ports import Audience

_AUDIENCE: Final = """
SELECT friend_id AS user_id, false AS hidden FROM {s}.friendships WHERE user_id = %(user_id)s
UNION ALL
SELECT blocked_id, true FROM {s}.blocks WHERE blocker_id = %(user_id)s
UNION ALL
SELECT blocker_id, true FROM {s}.blocks WHERE blocked_id = %(user_id)s
"""


class PostgresFriendGraph:
    def __init__(self, dsn: str, schema: str) -> None:
        self._pool = ConnectionPool(
            dsn, min_size=1, max_size=2, open=False, kwargs={"autocommit": True}
        )
        self._audience = in_schema(_AUDIENCE, schema)

    def open(self) -> None:
        self._pool.open(wait=True)

    def close(self) -> None:
        self._pool.close()

    def audience(self, user_id: str) -> Audience:
        with self._pool.connection() as connection, connection.cursor(row_factory=dict_row) as cur:
            cur.execute(self._audience, {"user_id": user_id})
            rows = cur.fetchall()
        friends = frozenset(row["user_id"] for row in rows if not row["hidden"])
        hidden = frozenset(row["user_id"] for row in rows if row["hidden"])
        return Audience(friends, hidden)
