"""The inbox index: one row per (member, conversation) with the
conversation's ``updated_at``, keyed by the user, so that a user's page of
conversations is read from the user's shard (on Citus) and not from every
conversation shard (docs/scaling.md).

The chat projection writes it in its transaction, after each statement that
changes a conversation's ``updated_at`` or its members (``SYNC``), and
drops the row of a member who is removed or leaves (``DROP``). It mirrors
``members`` and ``conversations.updated_at`` exactly, so a rebuild compares
equal. ``create_schema`` fills it from those tables when it makes it (an
existing database)."""

from __future__ import annotations

from typing import Final, LiteralString

INBOX_TABLE: Final = """CREATE TABLE IF NOT EXISTS {s}.inbox (
    user_id text NOT NULL,
    conversation_id text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
)"""

INBOX_INDEXES: Final[tuple[LiteralString, ...]] = (
    """CREATE INDEX IF NOT EXISTS inbox_recent
        ON {s}.inbox (user_id, updated_at DESC, conversation_id COLLATE "C")""",
)

# Every member of the conversations gets the conversation's time; a row
# already right is not written again.
SYNC: Final = """
INSERT INTO {s}.inbox AS i (user_id, conversation_id, updated_at)
SELECT m.user_id, m.conversation_id, c.updated_at
FROM {s}.members m JOIN {s}.conversations c ON c.conversation_id = m.conversation_id
WHERE m.conversation_id = ANY(%(conversation_ids)s::text[])
  AND c.conversation_id = ANY(%(conversation_ids)s::text[])
ON CONFLICT (user_id, conversation_id) DO UPDATE SET updated_at = EXCLUDED.updated_at
WHERE i.updated_at IS DISTINCT FROM EXCLUDED.updated_at
"""

DROP: Final = """
DELETE FROM {s}.inbox WHERE user_id = %(user_id)s AND conversation_id = %(conversation_id)s
"""

BACKFILL: Final = """
INSERT INTO {s}.inbox (user_id, conversation_id, updated_at)
SELECT m.user_id, m.conversation_id, c.updated_at
FROM {s}.members m JOIN {s}.conversations c ON c.conversation_id = m.conversation_id
ON CONFLICT (user_id, conversation_id) DO NOTHING
"""

# A page of the user's conversations, newest first (the order of the
# inbox answer): the ids only, then their objects by id.
PAGE: Final = """
SELECT conversation_id FROM {s}.inbox
WHERE user_id = %(user_id)s
ORDER BY updated_at DESC, conversation_id COLLATE "C"
LIMIT %(limit)s
"""
