"""Receipts in PostgreSQL: members' delivered and read watermarks, and the
status of a message as its sender sees it, computed in the query that
fetches the message.

A status is counted over the current members but the sender (the
recipients): ``delivered_count`` and ``read_count`` are the recipients whose
watermark reached the message's seq; ``status`` is "read" when every
recipient read it, else "delivered" when every recipient has it, else "sent"
(also when there is no recipient left), as projections.wire.message_status
says.
"""

from __future__ import annotations

from typing import Final

from psycopg import sql

# Lifts one member's watermarks, never lowering them (read lifts delivered
# too), and returns every member, or no row when the user is not a member.
# A report that moves nothing writes nothing.
MOVE_WATERMARKS: Final = """
WITH moved AS (
    UPDATE {s}.members
    SET delivered_seq = greatest(delivered_seq, %(delivered_seq)s, %(read_seq)s),
        read_seq = greatest(read_seq, %(read_seq)s)
    WHERE conversation_id = %(conversation_id)s AND user_id = %(user_id)s
      AND (delivered_seq < greatest(%(delivered_seq)s, %(read_seq)s)
           OR read_seq < %(read_seq)s)
)
SELECT o.user_id FROM {s}.members o
WHERE o.conversation_id = %(conversation_id)s
  AND EXISTS (SELECT 1 FROM {s}.members r
              WHERE r.conversation_id = %(conversation_id)s AND r.user_id = %(user_id)s)
ORDER BY o.user_id COLLATE "C"
"""

RECEIPTS: Final = """
SELECT user_id, delivered_seq, read_seq FROM {s}.members
WHERE conversation_id = %(conversation_id)s
ORDER BY user_id COLLATE "C"
"""

# A LEFT JOIN LATERAL giving the status columns of message {m} when {viewer}
# sent it, and NULLs otherwise. The WHERE condition on the sender lets the
# planner skip the member scan for other people's messages; HAVING turns the
# count over no rows into no row at all.
_STATUS: Final = """
LEFT JOIN LATERAL (
    SELECT count(*) AS recipients,
           count(*) FILTER (WHERE o.delivered_seq >= {m}.seq) AS delivered_count,
           count(*) FILTER (WHERE o.read_seq >= {m}.seq) AS read_count,
           CASE WHEN count(*) = 0 THEN 'sent'
                WHEN bool_and(o.read_seq >= {m}.seq) THEN 'read'
                WHEN bool_and(o.delivered_seq >= {m}.seq) THEN 'delivered'
                ELSE 'sent' END AS status
    FROM {s}.members o
    WHERE o.conversation_id = {m}.conversation_id AND o.user_id <> {m}.sender_id
      AND {m}.sender_id = {viewer}
    HAVING {m}.sender_id = {viewer}
) AS {alias} ON true
"""


def status_join(schema: str, message: str, viewer: sql.Composable) -> sql.Composed:
    """The status columns of the message aliased ``message`` for ``viewer``
    (an SQL expression), as a join named ``{message}_status``."""
    return sql.SQL(_STATUS).format(
        s=sql.Identifier(schema),
        m=sql.Identifier(message),
        viewer=viewer,
        alias=sql.Identifier(f"{message}_status"),
    )
