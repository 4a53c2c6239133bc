"""The tables of the audit trail (infra.postgres.audit_trail): every event of
every conversation as the log holds it, the auditors, and the audit
projection's tracking. They lead with ``conversation_id`` or ``user_id``."""

from __future__ import annotations

from typing import Final, LiteralString

AUDIT_TABLES: Final[tuple[LiteralString, ...]] = (
    """CREATE TABLE IF NOT EXISTS {s}.audit_events (
        conversation_id text NOT NULL,
        position bigint NOT NULL,
        type text NOT NULL,
        schema_version integer NOT NULL,
        version integer NOT NULL,
        at timestamptz NOT NULL,
        data text NOT NULL,
        prev_hash text,
        hash text,
        PRIMARY KEY (conversation_id, position)
    )""",
    """CREATE TABLE IF NOT EXISTS {s}.auditors (
        user_id text PRIMARY KEY,
        granted_at timestamptz NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS {s}.audit_tracking (
        application_name text PRIMARY KEY,
        notification_id bigint
    )""",
)
