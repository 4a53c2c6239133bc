"""The audit trail and the auditors in PostgreSQL: ``audit_events`` (every
event of every conversation, its fields as written, as canonical JSON
text, so a link verifies from the row), ``auditors`` and the projection's
``audit_tracking``, written in one transaction per batch; and the edge's
queries of them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final

import psycopg
from eventsourcing.persistence import IntegrityError, Tracking
from psycopg import Connection, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from domain.hashchain import canonical_json
from infra.postgres.pool import PooledStore, in_schema
from infra.postgres.tracking import TrackingStatements
from projections.audit_ports import AuditEntry
from projections.ports import AlreadyProjected

_RECORD: Final = """
INSERT INTO {s}.audit_events
    (conversation_id, position, type, schema_version, version, at, data, prev_hash, hash)
VALUES (%(conversation_id)s, %(position)s, %(type)s, %(schema_version)s, %(version)s,
        %(at)s, %(data)s, %(prev_hash)s, %(hash)s)
ON CONFLICT DO NOTHING
"""
_GRANT: Final = """
INSERT INTO {s}.auditors (user_id, granted_at) VALUES (%(user_id)s, %(at)s)
ON CONFLICT (user_id) DO UPDATE SET granted_at = EXCLUDED.granted_at
"""
_REVOKE: Final = "DELETE FROM {s}.auditors WHERE user_id = %(user_id)s"
_IS_AUDITOR: Final = "SELECT EXISTS (SELECT 1 FROM {s}.auditors WHERE user_id = %(user_id)s) AS yes"
_EVENTS: Final = """
SELECT * FROM {s}.audit_events
WHERE conversation_id = %(conversation_id)s AND position > %(after)s
ORDER BY position LIMIT %(limit)s
"""
_USER_BY_HANDLE: Final = "SELECT user_id FROM {s}.users WHERE handle = %(handle)s"


def entry_of(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        conversation_id=row["conversation_id"],
        position=int(row["position"]),
        type=row["type"],
        schema_version=row["schema_version"],
        version=row["version"],
        at=row["at"],
        data=json.loads(row["data"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


class PostgresAuditView:
    """The projection's side: one connection, one transaction per batch."""

    def __init__(self, dsn: str, schema: str) -> None:
        self._conn: Connection[DictRow] = psycopg.connect(
            dsn, row_factory=dict_row, autocommit=True
        )
        self._tracking = TrackingStatements(schema, "audit_tracking")
        self._sql = {
            name: in_schema(text, schema)
            for name, text in (("record", _RECORD), ("grant", _GRANT), ("revoke", _REVOKE))
        }

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def batch(self) -> Iterator[None]:
        with self._conn.transaction():
            yield

    def max_tracking_id(self, application_name: str) -> int | None:
        with self._conn.cursor() as cursor:
            return self._tracking.max_id(cursor, application_name)

    def _write(self, tracking: Tracking, statement: str | None, params: dict[str, Any]) -> None:
        """The write and the position, in a savepoint: a position seen before
        writes nothing and raises AlreadyProjected; the batch goes on."""
        try:
            with self._conn.transaction(), self._conn.cursor() as cursor:
                self._tracking.advance(cursor, tracking)
                if statement is not None:
                    cursor.execute(self._sql[statement], params)
        except IntegrityError as error:
            raise AlreadyProjected(str(error)) from None

    def record(self, entry: AuditEntry, tracking: Tracking) -> None:
        params = {
            "conversation_id": entry.conversation_id,
            "position": entry.position,
            "type": entry.type,
            "schema_version": entry.schema_version,
            "version": entry.version,
            "at": entry.at,
            "data": canonical_json(entry.data).decode("utf-8"),
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
        }
        self._write(tracking, "record", params)

    def auditor_granted(self, user_id: str, at: datetime, tracking: Tracking) -> None:
        self._write(tracking, "grant", {"user_id": user_id, "at": at})

    def auditor_revoked(self, user_id: str, tracking: Tracking) -> None:
        self._write(tracking, "revoke", {"user_id": user_id})

    def skip(self, tracking: Tracking) -> None:
        self._write(tracking, None, {})


class PostgresAuditQueries(PooledStore):
    """The edge's side, on the edge's pool."""

    def __init__(self, dsn: str, schema: str, *, pool: AsyncConnectionPool | None = None) -> None:
        super().__init__(dsn, pool)
        self._is_auditor = in_schema(_IS_AUDITOR, schema)
        self._events = in_schema(_EVENTS, schema)

    async def _fetch(self, query: sql.Composed, params: dict[str, Any]) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(query, params)
            return list(await cursor.fetchall())

    async def is_auditor(self, user_id: str) -> bool:
        rows = await self._fetch(self._is_auditor, {"user_id": user_id})
        return bool(rows[0]["yes"])

    async def events(self, conversation_id: str, after: int, limit: int) -> Sequence[AuditEntry]:
        params = {"conversation_id": conversation_id, "after": after, "limit": max(limit, 0)}
        return [entry_of(row) for row in await self._fetch(self._events, params)]


def user_id_of_handle(dsn: str, schema: str, handle: str) -> str | None:
    """For the operator's commands (``chatapp grant-auditor HANDLE``)."""
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        row = conn.execute(in_schema(_USER_BY_HANDLE, schema), {"handle": handle}).fetchone()
    return None if row is None else str(row["user_id"])


def is_auditor_now(dsn: str, schema: str, user_id: str) -> bool:
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        row = conn.execute(in_schema(_IS_AUDITOR, schema), {"user_id": user_id}).fetchone()
    return bool(row and row["yes"])
