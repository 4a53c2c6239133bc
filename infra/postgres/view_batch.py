"""One PostgreSQL transaction of the chat projection: the tracking position
of each partition it touches (read once, locked, written once at the end),
and the writes that are cheap to group (messages, watermark moves), flushed
as one multi-row statement each before any other write and at the end.

A position at or before the one recorded (or before one already taken in
this batch) is refused with AlreadyProjected and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from eventsourcing.persistence import IntegrityError, Tracking
from psycopg import Cursor, sql
from psycopg.rows import DictRow

from infra.postgres import inbox
from projections.ports import AlreadyProjected

_LOCK_POSITION: Final = """
SELECT notification_id FROM {s}.chat_tracking
WHERE application_name = %(application_name)s FOR UPDATE
"""

# The batch's conversations, again as ``= ANY``: a join with the unnested
# rows prunes nothing on Citus (they are known at run time only), the array
# parameter lets it touch only the shards of the batch (docs/scaling.md).
_POST_MANY: Final = """
WITH posted (conversation_id, seq, message_id, sender_id, body, client_msg_id, sent_at,
            attachments) AS (
    SELECT * FROM unnest(%(conversation_ids)s::text[], %(seqs)s::int[], %(message_ids)s::bigint[],
                         %(senders)s::text[], %(bodies)s::text[], %(client_msg_ids)s::text[],
                         %(sent_ats)s::timestamptz[], %(attachments)s::text[])
), stored AS (
    INSERT INTO {s}.messages
        (conversation_id, seq, message_id, sender_id, body, client_msg_id, sent_at, attachments)
    SELECT conversation_id, seq, message_id, sender_id, body, client_msg_id, sent_at,
           attachments::jsonb
    FROM posted
    ON CONFLICT (conversation_id, seq) DO NOTHING
), latest AS (
    SELECT conversation_id, max(seq) AS seq, max(sent_at) AS sent_at
    FROM posted GROUP BY conversation_id
)
UPDATE {s}.conversations c
SET last_seq = l.seq, updated_at = greatest(c.updated_at, l.sent_at)
FROM latest l
WHERE c.conversation_id = l.conversation_id AND c.last_seq < l.seq
  AND c.conversation_id = ANY(%(conversation_ids)s::text[])
"""

_MOVE_MANY: Final = """
WITH moves (conversation_id, user_id, delivered_seq, read_seq) AS (
    SELECT * FROM unnest(%(conversation_ids)s::text[], %(user_ids)s::text[],
                         %(delivered)s::int[], %(read)s::int[])
)
UPDATE {s}.members o
SET delivered_seq = greatest(o.delivered_seq, m.delivered_seq, m.read_seq),
    read_seq = greatest(o.read_seq, m.read_seq)
FROM moves m
WHERE o.conversation_id = m.conversation_id AND o.user_id = m.user_id
  AND (o.delivered_seq < greatest(m.delivered_seq, m.read_seq) OR o.read_seq < m.read_seq)
  AND o.conversation_id = ANY(%(conversation_ids)s::text[])
"""

_ADVANCE: Final = """
INSERT INTO {s}.chat_tracking (application_name, notification_id)
VALUES (%(application_name)s, %(notification_id)s)
ON CONFLICT (application_name) DO UPDATE SET notification_id = EXCLUDED.notification_id
WHERE {s}.chat_tracking.notification_id < EXCLUDED.notification_id
RETURNING notification_id
"""


@dataclass(frozen=True)
class PostedRow:
    conversation_id: str
    seq: int
    message_id: int
    sender_id: str
    body: str
    client_msg_id: str
    sent_at: datetime
    attachments: str = "[]"
    """The message's attachments as JSON text (media objects)."""


class BatchStatements:
    def __init__(self, schema: str) -> None:
        identifier = sql.Identifier(schema)
        self.lock_position = sql.SQL(_LOCK_POSITION).format(s=identifier)
        self.post_many = sql.SQL(_POST_MANY).format(s=identifier)
        self.move_many = sql.SQL(_MOVE_MANY).format(s=identifier)
        self.advance = sql.SQL(_ADVANCE).format(s=identifier)
        self.sync_inbox = sql.SQL(inbox.SYNC).format(s=identifier)
        self.drop_from_inbox = sql.SQL(inbox.DROP).format(s=identifier)


@dataclass
class ViewBatch:
    curs: Cursor[DictRow]
    statements: BatchStatements
    _recorded: dict[str, int | None] = field(default_factory=dict)
    _taken: dict[str, int] = field(default_factory=dict)
    _posted: list[PostedRow] = field(default_factory=list)
    _moves: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def take(self, tracking: Tracking) -> None:
        """Claims the position for this batch, or raises AlreadyProjected."""
        name = tracking.application_name
        if name not in self._recorded:
            self.curs.execute(self.statements.lock_position, {"application_name": name})
            row = self.curs.fetchone()
            self._recorded[name] = None if row is None else int(row["notification_id"])
        last = self._taken.get(name, self._recorded[name])
        if last is not None and tracking.notification_id <= last:
            raise AlreadyProjected(f"{tracking} is not after {last}")
        self._taken[name] = tracking.notification_id

    def post(self, row: PostedRow) -> None:
        self._posted.append(row)

    def move_watermarks(
        self, conversation_id: str, user_id: str, delivered: int, read: int
    ) -> None:
        key = (conversation_id, user_id)
        was_delivered, was_read = self._moves.get(key, (0, 0))
        self._moves[key] = (max(was_delivered, delivered), max(was_read, read))

    def flush(self) -> None:
        """Writes the grouped rows (before a write that may read them, and at the end)."""
        if self._posted:
            rows, self._posted = self._posted, []
            self.curs.execute(self.statements.post_many, _columns(rows))
            self.sync_inbox(sorted({row.conversation_id for row in rows}))
        if self._moves:
            moves, self._moves = self._moves, {}
            params = {
                "conversation_ids": [c for c, _ in moves],
                "user_ids": [u for _, u in moves],
                "delivered": [d for d, _ in moves.values()],
                "read": [r for _, r in moves.values()],
            }
            self.curs.execute(self.statements.move_many, params)

    def sync_inbox(self, conversation_ids: list[str]) -> None:
        """The inbox rows of these conversations' members (infra.postgres.inbox)."""
        self.curs.execute(self.statements.sync_inbox, {"conversation_ids": conversation_ids})

    def drop_from_inbox(self, user_id: str, conversation_id: str) -> None:
        params = {"user_id": user_id, "conversation_id": conversation_id}
        self.curs.execute(self.statements.drop_from_inbox, params)

    def finish(self) -> None:
        """Flushes, then records each partition's last position."""
        self.flush()
        for name, position in self._taken.items():
            params = {"application_name": name, "notification_id": position}
            self.curs.execute(self.statements.advance, params)
            if self.curs.fetchone() is None:
                raise IntegrityError(f"{name} was moved past {position} meanwhile")


def _columns(rows: list[PostedRow]) -> dict[str, list[object]]:
    return {
        "conversation_ids": [r.conversation_id for r in rows],
        "seqs": [r.seq for r in rows],
        "message_ids": [r.message_id for r in rows],
        "senders": [r.sender_id for r in rows],
        "bodies": [r.body for r in rows],
        "client_msg_ids": [r.client_msg_id for r in rows],
        "sent_ats": [r.sent_at for r in rows],
        "attachments": [r.attachments for r in rows],
    }
