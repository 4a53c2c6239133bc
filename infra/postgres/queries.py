"""ConversationQueries on the PostgreSQL read models (async, pooled).

Open the pool with ``await open()`` on the event loop that will use it and
``await close()`` it there; nothing connects before that. Each query is one
SQL statement; the status of the viewer's own messages (infra.postgres.receipts)
is computed in the statement that fetches them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from commands.gateway import Roles
from infra.postgres import inbox
from infra.postgres.message_changes import changes_join
from infra.postgres.pool import PooledStore, in_schema
from infra.postgres.receipts import RECEIPTS, status_join
from projections.queries import DEFAULT_PAGE, MAX_PAGE, MessagePage
from projections.wire import (
    MessageChanges,
    MessageStatus,
    conversation_object,
    message_object,
    quote_object,
)

_SHARES_MEDIA = """
SELECT 1 FROM {s}.messages x
JOIN {s}.members m ON m.conversation_id = x.conversation_id AND m.user_id = %(user_id)s
WHERE x.attachments @> %(probe)s::jsonb AND x.attachments <> '[]'::jsonb
LIMIT 1
"""

_MEDIA_IN_MESSAGES = """
SELECT 1 FROM {s}.messages x
WHERE x.attachments @> %(probe)s::jsonb AND x.attachments <> '[]'::jsonb LIMIT 1
"""

_CONVERSATIONS = """
SELECT c.conversation_id, c.kind, c.title, c.last_seq, c.updated_at,
       mm.member_ids, mm.roles,
       (SELECT count(*) FROM {s}.messages u
        WHERE u.conversation_id = m.conversation_id
          AND u.seq > m.read_seq AND u.sender_id <> m.user_id) AS unread_count,
       l.seq, l.message_id, l.sender_id, l.body, l.client_msg_id, l.sent_at, l.attachments,
       l_status.recipients, l_status.delivered_count, l_status.read_count, l_status.status,
       c.last_change_seq, l_changes.*
FROM {s}.members m
JOIN {s}.conversations c ON c.conversation_id = m.conversation_id
CROSS JOIN LATERAL (
    SELECT array_agg(o.user_id ORDER BY o.user_id COLLATE "C") AS member_ids,
           array_agg(o.role ORDER BY o.user_id COLLATE "C") AS roles
    FROM {s}.members o WHERE o.conversation_id = m.conversation_id
) AS mm
LEFT JOIN {s}.messages l ON l.conversation_id = c.conversation_id AND l.seq = c.last_seq
{status}
{changes}
WHERE m.user_id = %(user_id)s {only_one}
ORDER BY c.updated_at DESC, c.conversation_id COLLATE "C"
LIMIT %(limit)s
"""

_PAGE = """
SELECT c.conversation_id, c.last_seq,
       p.seq, p.message_id, p.sender_id, p.body, p.client_msg_id, p.sent_at, p.attachments,
       p_status.recipients, p_status.delivered_count, p_status.read_count, p_status.status,
       p_changes.*
FROM {s}.conversations c
LEFT JOIN LATERAL (
    SELECT x.conversation_id, x.seq, x.message_id, x.sender_id, x.body, x.client_msg_id,
           x.sent_at, x.attachments
    FROM {s}.messages x
    WHERE x.conversation_id = c.conversation_id
      AND x.seq > %(after_seq)s AND x.seq < %(before_seq)s
    ORDER BY x.seq {direction}
    LIMIT %(limit)s
) AS p ON true
{status}
{changes}
WHERE c.conversation_id = %(conversation_id)s
ORDER BY p.seq
"""

_CHANGED = """
SELECT x.conversation_id, x.seq, x.message_id, x.sender_id, x.body, x.client_msg_id, x.sent_at,
       x.attachments,
       x_status.recipients, x_status.delivered_count, x_status.read_count, x_status.status,
       x_changes.*
FROM {s}.messages x
{status}
{changes}
WHERE x.conversation_id = %(conversation_id)s AND x.change_seq > %(after_change_seq)s
  AND x.seq <= %(up_to_seq)s
ORDER BY x.change_seq
LIMIT %(limit)s
"""

_IS_MEMBER = """
SELECT EXISTS (SELECT 1 FROM {s}.members
               WHERE conversation_id = %(conversation_id)s AND user_id = %(user_id)s) AS yes
"""

_SENT_MESSAGE_ID = """
SELECT message_id FROM {s}.messages
WHERE conversation_id = %(conversation_id)s AND sender_id = %(sender_id)s
  AND client_msg_id = %(client_msg_id)s
LIMIT 1
"""

_ROLES = """
SELECT c.kind, array_agg(m.user_id) AS user_ids, array_agg(m.role) AS roles
FROM {s}.conversations c JOIN {s}.members m ON m.conversation_id = c.conversation_id
WHERE c.conversation_id = %(conversation_id)s
GROUP BY c.kind
HAVING bool_or(m.user_id = %(user_id)s)
"""

_NO_UPPER_BOUND = 2**62
_VIEWER_PARAM = sql.SQL("%(viewer)s")
_MEMBER = sql.SQL("m.user_id")


class PostgresQueries(PooledStore):
    def __init__(self, dsn: str, schema: str, *, pool: AsyncConnectionPool | None = None) -> None:
        super().__init__(dsn, pool)
        own_last = status_join(schema, "l", _MEMBER)
        last_changes = changes_join(schema, "l")
        self._inbox_page = in_schema(inbox.PAGE, schema)
        self._inbox = in_schema(
            _CONVERSATIONS,
            schema,
            only_one=sql.SQL("AND m.conversation_id = ANY(%(conversation_ids)s::text[])"),
            status=own_last,
            changes=last_changes,
        )
        self._conversation = in_schema(
            _CONVERSATIONS,
            schema,
            only_one=sql.SQL("AND m.conversation_id = %(conversation_id)s"),
            status=own_last,
            changes=last_changes,
        )
        own = status_join(schema, "p", _VIEWER_PARAM)
        page_changes = changes_join(schema, "p")
        self._page_ascending = in_schema(
            _PAGE, schema, direction=sql.SQL("ASC"), status=own, changes=page_changes
        )
        self._page_descending = in_schema(
            _PAGE, schema, direction=sql.SQL("DESC"), status=own, changes=page_changes
        )
        self._changed = in_schema(
            _CHANGED,
            schema,
            status=status_join(schema, "x", _VIEWER_PARAM),
            changes=changes_join(schema, "x"),
        )
        self._is_member = in_schema(_IS_MEMBER, schema)
        self._sent_message_id = in_schema(_SENT_MESSAGE_ID, schema)
        self._roles = in_schema(_ROLES, schema)
        self._receipts = in_schema(RECEIPTS, schema)
        self._shares_media = in_schema(_SHARES_MEDIA, schema)
        self._media_in_messages = in_schema(_MEDIA_IN_MESSAGES, schema)

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        params = {"conversation_id": conversation_id, "user_id": user_id}
        rows = await self._fetch(self._is_member, params)
        return bool(rows[0]["yes"])

    async def sent_message_id(
        self, conversation_id: str, sender_id: str, client_msg_id: str
    ) -> int | None:
        params = {
            "conversation_id": conversation_id,
            "sender_id": sender_id,
            "client_msg_id": client_msg_id,
        }
        rows = await self._fetch(self._sent_message_id, params)
        return int(rows[0]["message_id"]) if rows else None

    async def roles(self, conversation_id: str, user_id: str) -> Roles | None:
        params = {"conversation_id": conversation_id, "user_id": user_id}
        rows = await self._fetch(self._roles, params)
        if not rows:
            return None
        members = dict(zip(rows[0]["user_ids"], rows[0]["roles"], strict=True))
        return Roles(rows[0]["kind"], members)

    async def conversation(self, conversation_id: str, user_id: str) -> dict[str, Any] | None:
        params = {"user_id": user_id, "conversation_id": conversation_id, "limit": 1}
        rows = await self._fetch(self._conversation, params)
        return conversation_from_row(rows[0]) if rows else None

    async def inbox(self, user_id: str, limit: int) -> list[dict[str, Any]]:
        """The page's ids from the user's inbox rows, then their objects by id
        (on Citus: one shard, then the shards of those conversations)."""
        params: dict[str, Any] = {"user_id": user_id, "limit": max(limit, 0)}
        async with self._pool.connection() as conn:
            page = await _fetch_on(conn, self._inbox_page, params)
            params["conversation_ids"] = [row["conversation_id"] for row in page]
            rows = await _fetch_on(conn, self._inbox, params) if page else []
        return [conversation_from_row(row) for row in rows]

    async def messages(
        self,
        conversation_id: str,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int = DEFAULT_PAGE,
        viewer: str | None = None,
    ) -> MessagePage:
        params = {
            "conversation_id": conversation_id,
            "after_seq": 0 if after_seq is None else after_seq,
            "before_seq": _NO_UPPER_BOUND if before_seq is None else before_seq,
            "limit": min(max(limit, 0), MAX_PAGE),
            "viewer": viewer,
        }
        query = self._page_descending if after_seq is None else self._page_ascending
        rows = await self._fetch(query, params)
        if not rows:
            return MessagePage(messages=[], last_seq=0)
        messages = [message_from_row(row) for row in rows if row["seq"] is not None]
        return MessagePage(messages=messages, last_seq=rows[0]["last_seq"])

    async def changed_messages(
        self,
        conversation_id: str,
        after_change_seq: int,
        up_to_seq: int,
        limit: int,
        viewer: str | None = None,
    ) -> list[dict[str, Any]]:
        params = {
            "conversation_id": conversation_id,
            "after_change_seq": after_change_seq,
            "up_to_seq": up_to_seq,
            "limit": min(max(limit, 0), MAX_PAGE),
            "viewer": viewer,
        }
        return [message_from_row(row) for row in await self._fetch(self._changed, params)]

    async def shares_media(self, media_id: str, user_id: str) -> bool:
        """MediaSharing: a member of a conversation with a message carrying it."""
        probe = json.dumps([{"media_id": media_id}])
        rows = await self._fetch(self._shares_media, {"probe": probe, "user_id": user_id})
        return bool(rows)

    async def media_in_messages(self, media_ids: list[str]) -> set[str]:
        """MediaSharing: those of the media that some message carries."""
        found: set[str] = set()
        for media_id in media_ids:
            probe = json.dumps([{"media_id": media_id}])
            if await self._fetch(self._media_in_messages, {"probe": probe}):
                found.add(media_id)
        return found

    async def receipts(self, conversation_id: str) -> list[dict[str, Any]]:
        rows = await self._fetch(self._receipts, {"conversation_id": conversation_id})
        return [dict(row) for row in rows]

    async def _fetch(self, query: sql.Composed, params: dict[str, Any]) -> list[DictRow]:
        async with self._pool.connection() as conn:
            return await _fetch_on(conn, query, params)


async def _fetch_on(
    conn: AsyncConnection[Any], query: sql.Composed, params: dict[str, Any]
) -> list[DictRow]:
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(query, params)
        return await cursor.fetchall()


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def message_from_row(row: DictRow) -> dict[str, Any]:
    """The message of a row, with its status columns when the viewer sent it."""
    status = None
    if row["status"] is not None:
        status = MessageStatus(
            row["recipients"], row["delivered_count"], row["read_count"], row["status"]
        )
    return message_object(
        conversation_id=row["conversation_id"],
        seq=row["seq"],
        message_id=row["message_id"],
        sender_id=row["sender_id"],
        body=row["body"],
        sent_at=utc_iso(row["sent_at"]),
        client_msg_id=row["client_msg_id"],
        status=status,
        attachments=row.get("attachments") or (),
        changes=changes_from_row(row),
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc_iso(moment)


def changes_from_row(row: DictRow) -> MessageChanges:
    """The columns of message_changes.changes_join."""
    quote = None
    if row.get("quote_seq") is not None:
        quote = quote_object(
            seq=row["quote_seq"],
            message_id=row["quote_message_id"],
            sender_id=row["quote_sender_id"],
            body=row["quote_body"],
            edited=row["quote_edited_at"] is not None,
            deleted=row["quote_deleted_at"] is not None,
        )
    reactions = [(emoji, users) for emoji, users in row.get("reactions") or ()]
    return MessageChanges(
        edited_at=_iso(row.get("edited_at")),
        deleted_at=_iso(row.get("deleted_at")),
        reactions=reactions,
        reply_to=quote,
        change_seq=row.get("change_seq") or 0,
    )


def conversation_from_row(row: DictRow) -> dict[str, Any]:
    return conversation_object(
        conversation_id=row["conversation_id"],
        kind=row["kind"],
        title=row["title"],
        members=list(zip(row["member_ids"], row["roles"], strict=True)),
        last_seq=row["last_seq"],
        unread_count=row["unread_count"],
        last_message=message_from_row(row) if row["seq"] is not None else None,
        updated_at=utc_iso(row["updated_at"]),
        last_change_seq=row["last_change_seq"],
    )
