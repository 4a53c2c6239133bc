"""The PostgreSQL schema of the read models and accounts.

``create_schema`` is idempotent and safe when several processes start at
once: it holds an advisory lock keyed by the schema name, and runs each
statement in a transaction of its own, so that it never holds the lock of
one table while waiting for another's (a process starting while the
projector writes would otherwise deadlock with it: ``CREATE INDEX IF NOT
EXISTS`` takes its table's lock even when the index exists). Where each
table goes on Citus, and the distribution column that its keys carry, is
infra.postgres.distribution.
"""

from __future__ import annotations

import hashlib
from typing import Any, LiteralString

import psycopg
from psycopg import sql

from infra.postgres.audit_schema import AUDIT_TABLES
from infra.postgres.friends_schema import FRIENDS_TABLES
from infra.postgres.holds import HELD_TABLE
from infra.postgres.inbox import BACKFILL, INBOX_INDEXES, INBOX_TABLE
from infra.postgres.media_schema import MEDIA_COLUMNS, MEDIA_INDEXES, MEDIA_TABLES
from infra.postgres.message_changes import MESSAGE_CHANGE_COLUMNS, MESSAGE_CHANGE_TABLES
from infra.postgres.notify_schema import NOTIFY_TABLES
from infra.postgres.search import DEFAULT_LANGUAGE, search_columns
from infra.postgres.snapshots import SNAPSHOT_COLUMNS, SNAPSHOT_TABLES
from infra.postgres.tracking import CREATE_TRACKING

_TABLES: tuple[LiteralString, ...] = (
    "CREATE SCHEMA IF NOT EXISTS {s}",
    """CREATE TABLE IF NOT EXISTS {s}.conversations (
        conversation_id text PRIMARY KEY,
        kind text NOT NULL,
        title text,
        started_by text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seq integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS {s}.members (
        conversation_id text NOT NULL,
        user_id text NOT NULL,
        role text NOT NULL,
        delivered_seq integer NOT NULL DEFAULT 0,
        read_seq integer NOT NULL DEFAULT 0,
        PRIMARY KEY (conversation_id, user_id)
    )""",
    "CREATE INDEX IF NOT EXISTS members_user_id ON {s}.members (user_id)",
    """CREATE TABLE IF NOT EXISTS {s}.messages (
        conversation_id text NOT NULL,
        seq integer NOT NULL,
        message_id bigint NOT NULL,
        sender_id text NOT NULL,
        body text NOT NULL,
        client_msg_id text NOT NULL,
        sent_at timestamptz NOT NULL,
        PRIMARY KEY (conversation_id, seq)
    )""",
    # Unread counts ("messages of X from senders other than Y above seq N")
    # scan only the index entries above N and never visit the table.
    """CREATE INDEX IF NOT EXISTS messages_unread
        ON {s}.messages (conversation_id, seq) INCLUDE (sender_id)""",
    """CREATE TABLE IF NOT EXISTS {s}.users (
        user_id text PRIMARY KEY,
        handle text NOT NULL UNIQUE,
        display_name text NOT NULL,
        password_hash text NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS {s}.sessions (
        token_hash text PRIMARY KEY,
        session_id text NOT NULL,
        user_id text NOT NULL,
        expires_at timestamptz NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS sessions_user_id ON {s}.sessions (user_id)",
    CREATE_TRACKING,
    *NOTIFY_TABLES,
    *FRIENDS_TABLES,
    *SNAPSHOT_TABLES,
    HELD_TABLE,
    *AUDIT_TABLES,
    *MEDIA_TABLES,
)

_COLUMNS = """
SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = %s
  AND table_name IN ('messages', 'conversations', 'processor_snapshots', 'processor_snapshot_marks')
"""


def lock_key(schema: str) -> int:
    """A signed 64-bit advisory lock key for the schema's DDL."""
    digest = hashlib.sha256(f"chat-schema:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def create_schema(dsn: str, schema: str, search_language: str = DEFAULT_LANGUAGE) -> None:
    """Creates the schema, its tables and the tracking table, if missing;
    the search column in ``search_language`` (a text search configuration)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (lock_key(schema),))
        try:
            for statement in _TABLES:
                conn.execute(sql.SQL(statement).format(s=sql.Identifier(schema)))
            _add_missing_columns(conn, schema, search_language)
            for statement in (*MESSAGE_CHANGE_TABLES, *MEDIA_INDEXES):
                conn.execute(sql.SQL(statement).format(s=sql.Identifier(schema)))
            _add_inbox(conn, schema)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(schema),))


def _add_inbox(conn: psycopg.Connection[Any], schema: str) -> None:
    """The inbox index (infra.postgres.inbox), filled from the members and
    conversations of an older schema when it is made."""
    s = sql.Identifier(schema)
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{schema}".inbox',)).fetchone()
    conn.execute(sql.SQL(INBOX_TABLE).format(s=s))
    if exists is not None and not exists[0]:
        conn.execute(sql.SQL(BACKFILL).format(s=s))
    for statement in INBOX_INDEXES:
        conn.execute(sql.SQL(statement).format(s=s))


def _add_missing_columns(conn: psycopg.Connection[Any], schema: str, search_language: str) -> None:
    """Columns later builds added to existing tables, each only if missing."""
    present = {(table, column) for table, column in conn.execute(_COLUMNS, (schema,)).fetchall()}
    for table, column, definition in (*MESSAGE_CHANGE_COLUMNS, *MEDIA_COLUMNS, *SNAPSHOT_COLUMNS):
        if (table, column) not in present:
            conn.execute(
                sql.SQL("ALTER TABLE {}.{} ADD COLUMN {} {}").format(
                    sql.Identifier(schema),
                    sql.Identifier(table),
                    sql.Identifier(column),
                    sql.SQL(definition),
                )
            )
    add_search, index_search = search_columns(schema, search_language)
    if ("messages", "search") not in present:
        conn.execute(add_search)
    conn.execute(index_search)
