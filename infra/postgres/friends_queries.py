"""What the edge reads of the friends projection (async, on the edge's
pool): a pair's relation, requests, friends, blocks, the user directory's
prefix search and friend suggestions (one two-hop query over the adjacency
table). ``SEARCH`` and ``SUGGESTIONS`` are the statements
benchmarks/friends_queries.py measures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from domain.relationship import RelationshipState
from infra.postgres.pool import in_schema

# The pair's rows are at most two shards apart (a request lives with its
# recipient, a block with its blocker): the redundant IN on the distribution
# column lets Citus prune to those (docs/scaling.md).
_RELATION: Final = """
SELECT EXISTS (SELECT 1 FROM {s}.friendships
               WHERE user_id = %(user_id)s AND friend_id = %(other_id)s) AS friends,
       (SELECT from_id FROM {s}.friend_requests
        WHERE (from_id, to_id) IN ((%(user_id)s, %(other_id)s), (%(other_id)s, %(user_id)s))
          AND to_id IN (%(user_id)s, %(other_id)s)
        LIMIT 1) AS requested_by,
       ARRAY(SELECT blocker_id FROM {s}.blocks
             WHERE (blocker_id, blocked_id) IN ((%(user_id)s, %(other_id)s),
                                                (%(other_id)s, %(user_id)s))
               AND blocker_id IN (%(user_id)s, %(other_id)s)) AS blocked_by
"""
_USER: Final = "u.user_id, u.handle, u.display_name"
_INCOMING: Final = (
    "SELECT "
    + _USER
    + """, r.requested_at FROM {s}.friend_requests r JOIN {s}.users u ON u.user_id = r.from_id
WHERE r.to_id = %(user_id)s ORDER BY r.requested_at DESC, u.handle COLLATE "C" """
)
_OUTGOING: Final = (
    "SELECT "
    + _USER
    + """, r.requested_at FROM {s}.friend_requests r JOIN {s}.users u ON u.user_id = r.to_id
WHERE r.from_id = %(user_id)s ORDER BY r.requested_at DESC, u.handle COLLATE "C" """
)
_FRIENDS: Final = (
    "SELECT "
    + _USER
    + """, f.last_chat_at, f.conversation_id
FROM {s}.friendships f JOIN {s}.users u ON u.user_id = f.friend_id
WHERE f.user_id = %(user_id)s
ORDER BY f.last_chat_at DESC NULLS LAST, u.handle COLLATE "C" """
)
_BLOCKS: Final = (
    "SELECT "
    + _USER
    + """, b.blocked_at FROM {s}.blocks b JOIN {s}.users u ON u.user_id = b.blocked_id
WHERE b.blocker_id = %(user_id)s ORDER BY b.blocked_at DESC, u.handle COLLATE "C" """
)
# Handles in [prefix, upper) in byte order: the text_pattern_ops index
# serves both the range and the order, also in a generic (prepared) plan.
SEARCH: Final = (
    "SELECT "
    + _USER
    + """ FROM {s}.users u
WHERE u.handle ~>=~ %(prefix)s AND u.handle ~<~ %(upper)s
  AND u.user_id <> %(viewer_id)s
  AND NOT EXISTS (SELECT 1 FROM {s}.blocks b
                  WHERE b.blocker_id = u.user_id AND b.blocked_id = %(viewer_id)s)
ORDER BY u.handle USING ~<~
LIMIT %(limit)s"""
)
# Friends of friends: the viewer's adjacency range, then each friend's
# (both index-only scans of the primary key), counted per candidate. Only
# the candidates that can make the first L (those with at least the L-th
# highest count, ties kept for the order by handle) are looked up in
# ``users``, one primary-key lookup each (OFFSET 0 keeps the lateral
# subquery from being flattened into a hash join over every user).
SUGGESTIONS: Final = """WITH mine AS (
    SELECT friend_id FROM {s}.friendships WHERE user_id = %(viewer_id)s
), candidates AS (
    SELECT theirs.friend_id AS user_id, count(*) AS mutual_friends
    FROM mine JOIN {s}.friendships theirs ON theirs.user_id = mine.friend_id
    WHERE theirs.friend_id <> %(viewer_id)s
      AND NOT EXISTS (SELECT 1 FROM mine m WHERE m.friend_id = theirs.friend_id)
      AND NOT EXISTS (SELECT 1 FROM {s}.blocks b
                      WHERE b.blocker_id = %(viewer_id)s AND b.blocked_id = theirs.friend_id)
      AND NOT EXISTS (SELECT 1 FROM {s}.blocks b
                      WHERE b.blocker_id = theirs.friend_id AND b.blocked_id = %(viewer_id)s)
    GROUP BY theirs.friend_id
), cutoff AS (
    SELECT min(mutual_friends) AS least FROM (
        SELECT mutual_friends FROM candidates ORDER BY mutual_friends DESC LIMIT %(limit)s
    ) top
)
SELECT c.user_id, u.handle, u.display_name, c.mutual_friends
FROM candidates c
CROSS JOIN LATERAL (
    SELECT handle, display_name FROM {s}.users WHERE user_id = c.user_id OFFSET 0
) u
WHERE c.mutual_friends >= (SELECT least FROM cutoff)
ORDER BY c.mutual_friends DESC, u.handle COLLATE "C"
LIMIT %(limit)s"""
_BLOCKED_BETWEEN: Final = """
SELECT EXISTS (SELECT 1 FROM {s}.blocks
               WHERE (blocker_id, blocked_id) IN ((%(user_id)s, %(other_id)s),
                                                  (%(other_id)s, %(user_id)s))
                 AND blocker_id IN (%(user_id)s, %(other_id)s)) AS yes
"""
_BLOCKERS_OF: Final = """
SELECT blocker_id FROM {s}.blocks
WHERE blocked_id = %(user_id)s AND blocker_id = ANY(%(among)s)
"""


def search_bounds(prefix: str) -> tuple[str, str]:
    """[prefix, upper): every string starting with ``prefix``, in byte order."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


class PostgresFriendQueries:
    """FriendQueries, Blocks and the relationship gateway's RelationReads."""

    def __init__(self, pool: AsyncConnectionPool, schema: str) -> None:
        self._pool = pool
        self._sql = {
            name: in_schema(text, schema)
            for name, text in (
                ("relation", _RELATION),
                ("incoming", _INCOMING),
                ("outgoing", _OUTGOING),
                ("friends", _FRIENDS),
                ("blocks", _BLOCKS),
                ("search", SEARCH),
                ("suggestions", SUGGESTIONS),
                ("blocked_between", _BLOCKED_BETWEEN),
                ("blockers_of", _BLOCKERS_OF),
            )
        }

    async def relation(self, user_id: str, other_id: str) -> RelationshipState:
        rows = await self._rows("relation", user_id=user_id, other_id=other_id)
        row = rows[0]
        return RelationshipState(row["friends"], row["requested_by"], frozenset(row["blocked_by"]))

    async def requests(self, user_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        incoming = await self._rows("incoming", user_id=user_id)
        outgoing = await self._rows("outgoing", user_id=user_id)
        return _texts(incoming), _texts(outgoing)

    async def friends(self, user_id: str) -> list[dict[str, Any]]:
        return _texts(await self._rows("friends", user_id=user_id))

    async def blocks(self, user_id: str) -> list[dict[str, Any]]:
        return _texts(await self._rows("blocks", user_id=user_id))

    async def search(self, viewer_id: str, prefix: str, limit: int) -> list[dict[str, Any]]:
        low, upper = search_bounds(prefix)
        return await self._rows("search", viewer_id=viewer_id, prefix=low, upper=upper, limit=limit)

    async def suggestions(self, viewer_id: str, limit: int) -> list[dict[str, Any]]:
        return await self._rows("suggestions", viewer_id=viewer_id, limit=limit)

    async def blocked_between(self, user_id: str, other_id: str) -> bool:
        rows = await self._rows("blocked_between", user_id=user_id, other_id=other_id)
        return bool(rows[0]["yes"])

    async def blockers_of(self, user_id: str, among: Sequence[str]) -> frozenset[str]:
        if not among:
            return frozenset()
        rows = await self._rows("blockers_of", user_id=user_id, among=list(among))
        return frozenset(row["blocker_id"] for row in rows)

    async def _rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        async with self._pool.connection() as connection:
            cursor = connection.cursor(row_factory=dict_row)
            await cursor.execute(self._sql[name], params)
            return list(await cursor.fetchall())


def _texts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Times as ISO 8601 in UTC."""
    return [
        {
            key: value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
            for key, value in row.items()
        }
        for row in rows
    ]
