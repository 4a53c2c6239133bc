"""Membership changes and renames in PostgreSQL, and the conversation object
per member that each of them returns.

The statements run in PostgresChatView's transaction, after its tracking
row. Each also moves ``conversations.updated_at`` to the event's time (never
back), so the inbox shows the change, as the in-memory view does. A change
to a conversation the view does not hold writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from psycopg import sql
from psycopg.rows import DictRow

from infra.postgres.message_changes import changes_join
from infra.postgres.queries import conversation_from_row
from infra.postgres.receipts import status_join
from projections.wire import without_status

ADD_MEMBERS: Final = """
WITH touched AS (
    UPDATE {s}.conversations SET updated_at = greatest(updated_at, %(at)s)
    WHERE conversation_id = %(conversation_id)s
    RETURNING conversation_id
)
INSERT INTO {s}.members (conversation_id, user_id, role, delivered_seq, read_seq)
SELECT t.conversation_id, u.user_id, %(role)s, %(at_seq)s, %(at_seq)s
FROM touched t CROSS JOIN unnest(%(user_ids)s::text[]) AS u (user_id)
ON CONFLICT (conversation_id, user_id) DO NOTHING
"""

REMOVE_MEMBER: Final = """
WITH gone AS (
    DELETE FROM {s}.members
    WHERE conversation_id = %(conversation_id)s AND user_id = %(user_id)s
), promoted AS (
    UPDATE {s}.members SET role = %(admin_role)s
    WHERE conversation_id = %(conversation_id)s AND user_id = %(new_admin)s
)
UPDATE {s}.conversations SET updated_at = greatest(updated_at, %(at)s)
WHERE conversation_id = %(conversation_id)s
"""

RENAME: Final = """
UPDATE {s}.conversations SET title = %(title)s, updated_at = greatest(updated_at, %(at)s)
WHERE conversation_id = %(conversation_id)s
"""

# One row per member (or one row with user_id NULL when none is left): the
# conversation object of pg_queries as that member sees it, all in one query.
_PER_MEMBER: Final = """
SELECT m.user_id, c.conversation_id, c.kind, c.title, c.last_seq, c.updated_at,
       mm.member_ids, mm.roles,
       CASE WHEN m.user_id IS NULL THEN 0 ELSE (
           SELECT count(*) FROM {s}.messages u
           WHERE u.conversation_id = m.conversation_id
             AND u.seq > m.read_seq AND u.sender_id <> m.user_id) END AS unread_count,
       l.seq, l.message_id, l.sender_id, l.body, l.client_msg_id, l.sent_at, l.attachments,
       l_status.recipients, l_status.delivered_count, l_status.read_count, l_status.status,
       c.last_change_seq, l_changes.*
FROM {s}.conversations c
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(o.user_id ORDER BY o.user_id COLLATE "C"), '{{}}') AS member_ids,
           coalesce(array_agg(o.role ORDER BY o.user_id COLLATE "C"), '{{}}') AS roles
    FROM {s}.members o WHERE o.conversation_id = c.conversation_id
) AS mm
LEFT JOIN {s}.members m ON m.conversation_id = c.conversation_id
LEFT JOIN {s}.messages l ON l.conversation_id = c.conversation_id AND l.seq = c.last_seq
{status}
{changes}
WHERE c.conversation_id = %(conversation_id)s
ORDER BY m.user_id COLLATE "C"
"""


def per_member_query(schema: str) -> sql.Composed:
    """The per-member objects query (its rows go to per_member_objects)."""
    return sql.SQL(_PER_MEMBER).format(
        s=sql.Identifier(schema),
        status=status_join(schema, "l", sql.SQL("m.user_id")),
        changes=changes_join(schema, "l"),
    )


def per_member_objects(
    rows: Sequence[DictRow], gone: str | None = None
) -> dict[str, dict[str, Any]]:
    """The rows of the per-member query as user_id -> conversation object,
    plus, for ``gone`` (removed or left), the object the others see with
    unread 0 and no status on the last message (no longer theirs to follow)."""
    seen = {row["user_id"]: conversation_from_row(row) for row in rows if row["user_id"]}
    if gone is not None and rows:
        neutral = conversation_from_row(rows[0])
        neutral.update(unread_count=0, last_message=without_status(neutral["last_message"]))
        seen[gone] = neutral
    return seen
