"""Edits, deletions, reactions and replies in the PostgreSQL read models.

``messages`` keeps the last body (none once deleted: the tombstone keeps
``deleted_at``), ``edited_at``, ``reply_to`` and the ``change_seq`` of the
message's last change; ``conversations.last_change_seq`` the conversation's
last change; ``reactions`` one row per (message, emoji, user). The columns
are added to existing tables, so an older schema is upgraded in place.
"""

from __future__ import annotations

from typing import Final, LiteralString

from psycopg import sql

# (table, column, its definition): added where missing. Only then: ALTER
# TABLE takes an exclusive lock even when the column exists, and a role
# starting next to a running edge would deadlock its reads.
MESSAGE_CHANGE_COLUMNS: tuple[tuple[str, str, LiteralString], ...] = (
    ("messages", "reply_to", "integer"),
    ("messages", "edited_at", "timestamptz"),
    ("messages", "deleted_at", "timestamptz"),
    ("messages", "change_seq", "integer NOT NULL DEFAULT 0"),
    ("conversations", "last_change_seq", "integer NOT NULL DEFAULT 0"),
)

MESSAGE_CHANGE_TABLES: tuple[LiteralString, ...] = (
    """CREATE INDEX IF NOT EXISTS messages_changes
        ON {s}.messages (conversation_id, change_seq) WHERE change_seq > 0""",
    """CREATE TABLE IF NOT EXISTS {s}.reactions (
        conversation_id text NOT NULL,
        seq integer NOT NULL,
        emoji text NOT NULL,
        user_id text NOT NULL,
        change_seq integer NOT NULL,
        PRIMARY KEY (conversation_id, seq, emoji, user_id)
    )""",
)

# Each change statement moves the message's and the conversation's change
# seq only forward, and does nothing for a change already applied.
_CHANGED: Final = """
WITH conversation AS (
    UPDATE {s}.conversations SET last_change_seq = %(change_seq)s
    WHERE conversation_id = %(conversation_id)s AND last_change_seq < %(change_seq)s
    RETURNING conversation_id
)
UPDATE {s}.messages m SET {set_columns}
FROM conversation c
WHERE m.conversation_id = c.conversation_id AND m.seq = %(seq)s
RETURNING m.seq
"""

_ADD_REACTION: Final = """
INSERT INTO {s}.reactions (conversation_id, seq, emoji, user_id, change_seq)
VALUES (%(conversation_id)s, %(seq)s, %(emoji)s, %(user_id)s, %(change_seq)s)
ON CONFLICT DO NOTHING
"""

_REMOVE_REACTION: Final = """
DELETE FROM {s}.reactions
WHERE conversation_id = %(conversation_id)s AND seq = %(seq)s
  AND emoji = %(emoji)s AND user_id = %(user_id)s
"""

_DROP_REACTIONS: Final = """
DELETE FROM {s}.reactions WHERE conversation_id = %(conversation_id)s AND seq = %(seq)s
"""

_REPLY: Final = """
UPDATE {s}.messages SET reply_to = %(reply_to)s
WHERE conversation_id = %(conversation_id)s AND seq = %(seq)s
"""

# What a message became, as a lateral join named ``{alias}`` on the message
# aliased ``{m}``: its change columns, the quote of its original, reactions.
_CHANGES_JOIN: Final = """
LEFT JOIN LATERAL (
    SELECT c.edited_at, c.deleted_at, c.change_seq,
           q.seq AS quote_seq, q.message_id AS quote_message_id,
           q.sender_id AS quote_sender_id, q.body AS quote_body,
           q.edited_at AS quote_edited_at, q.deleted_at AS quote_deleted_at,
           (SELECT json_agg(json_build_array(r.emoji, r.user_ids) ORDER BY r.first)
            FROM (SELECT emoji, array_agg(user_id ORDER BY change_seq) AS user_ids,
                         min(change_seq) AS first
                  FROM {s}.reactions
                  WHERE conversation_id = c.conversation_id AND seq = c.seq
                  GROUP BY emoji) AS r) AS reactions
    FROM {s}.messages c
    LEFT JOIN {s}.messages q ON q.conversation_id = c.conversation_id AND q.seq = c.reply_to
    WHERE c.conversation_id = {m}.conversation_id AND c.seq = {m}.seq
) AS {alias} ON true
"""

_ONE_MESSAGE: Final = """
SELECT x.conversation_id, x.seq, x.message_id, x.sender_id, x.body, x.client_msg_id,
       x.sent_at, x.attachments, NULL AS status, x_changes.*
FROM {s}.messages x
{changes}
WHERE x.conversation_id = %(conversation_id)s AND x.seq = %(seq)s
"""


def changes_join(schema: str, message: str) -> sql.Composed:
    return sql.SQL(_CHANGES_JOIN).format(
        s=sql.Identifier(schema),
        m=sql.Identifier(message),
        alias=sql.Identifier(f"{message}_changes"),
    )


class ChangeStatements:
    def __init__(self, schema: str) -> None:
        s = sql.Identifier(schema)

        def changed(set_columns: LiteralString) -> sql.Composed:
            return sql.SQL(_CHANGED).format(s=s, set_columns=sql.SQL(set_columns))

        self.edit = changed("body = %(body)s, edited_at = %(at)s, change_seq = %(change_seq)s")
        self.delete = changed(
            "body = '', attachments = '[]', deleted_at = %(at)s, change_seq = %(change_seq)s"
        )
        self.touch = changed("change_seq = %(change_seq)s")
        self.add_reaction = sql.SQL(_ADD_REACTION).format(s=s)
        self.remove_reaction = sql.SQL(_REMOVE_REACTION).format(s=s)
        self.drop_reactions = sql.SQL(_DROP_REACTIONS).format(s=s)
        self.reply = sql.SQL(_REPLY).format(s=s)
        self.one_message = sql.SQL(_ONE_MESSAGE).format(s=s, changes=changes_join(schema, "x"))
