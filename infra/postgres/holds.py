"""Conversations held by the projector: one of their events was parked
(``chat.parked``), so their later events are parked too, never applied
after a gap. A row stays until an operator deletes it (docs/operations.md)."""

from __future__ import annotations

from psycopg import sql

HELD_TABLE = """CREATE TABLE IF NOT EXISTS {s}.held_conversations (
    conversation_id text PRIMARY KEY,
    reason text NOT NULL,
    held_at timestamptz NOT NULL DEFAULT now()
)"""

_HOLD = """
INSERT INTO {s}.held_conversations (conversation_id, reason)
VALUES (%(conversation_id)s, %(reason)s)
ON CONFLICT (conversation_id) DO NOTHING
"""

_HELD = "SELECT conversation_id FROM {s}.held_conversations"


class HoldStatements:
    def __init__(self, schema: str) -> None:
        self.hold = sql.SQL(_HOLD).format(s=sql.Identifier(schema))
        self.held = sql.SQL(_HELD).format(s=sql.Identifier(schema))
