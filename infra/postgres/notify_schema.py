"""The notifier's tables: devices and mutes (written by the edge), its own
projection of members and titles, its tracking, and the decisions, whose
``pending`` rows are the outbox of the delivery loop. Per-user tables lead
with ``user_id`` (their distribution column); the notifier's projection of
conversations leads with ``conversation_id``."""

from __future__ import annotations

from typing import LiteralString

NOTIFY_TABLES: tuple[LiteralString, ...] = (
    """CREATE TABLE IF NOT EXISTS {s}.devices (
        user_id text NOT NULL,
        device_id text NOT NULL,
        kind text NOT NULL,
        address text NOT NULL,
        endpoint text,
        p256dh text,
        auth text,
        app_id text,
        pushkey text,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, device_id)
    )""",
    "CREATE INDEX IF NOT EXISTS devices_address ON {s}.devices (address)",
    """CREATE TABLE IF NOT EXISTS {s}.notification_mutes (
        user_id text NOT NULL,
        conversation_id text NOT NULL,
        PRIMARY KEY (user_id, conversation_id)
    )""",
    """CREATE TABLE IF NOT EXISTS {s}.notifier_conversations (
        conversation_id text PRIMARY KEY,
        kind text NOT NULL,
        title text
    )""",
    """CREATE TABLE IF NOT EXISTS {s}.notifier_members (
        conversation_id text NOT NULL,
        user_id text NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
    )""",
    """CREATE TABLE IF NOT EXISTS {s}.notifier_tracking (
        application_name text PRIMARY KEY,
        notification_id bigint
    )""",
    """CREATE TABLE IF NOT EXISTS {s}.notification_decisions (
        user_id text NOT NULL,
        decision_id bigint GENERATED ALWAYS AS IDENTITY,
        message_id bigint NOT NULL,
        conversation_id text NOT NULL,
        seq integer NOT NULL,
        device_id text,
        decision text NOT NULL,
        reason text,
        at timestamptz NOT NULL,
        sender_id text NOT NULL,
        title text,
        body text,
        folded integer NOT NULL DEFAULT 1,
        destination text,
        attempts integer NOT NULL DEFAULT 0,
        due timestamptz,
        lease_until timestamptz,
        PRIMARY KEY (user_id, decision_id)
    )""",
    """CREATE INDEX IF NOT EXISTS decisions_recent
        ON {s}.notification_decisions (user_id, at DESC, decision_id DESC)""",
    """CREATE INDEX IF NOT EXISTS decisions_due
        ON {s}.notification_decisions (due) WHERE decision = 'pending'""",
    """CREATE INDEX IF NOT EXISTS decisions_pending_device
        ON {s}.notification_decisions (user_id, device_id, conversation_id)
        WHERE decision = 'pending'""",
    "CREATE INDEX IF NOT EXISTS decisions_at ON {s}.notification_decisions (at)",
)
