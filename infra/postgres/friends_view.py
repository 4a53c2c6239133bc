"""The friends view in PostgreSQL: the projection's writes, each with its
tracking position (table ``friends_tracking``), one transaction per batch.

In a batch, each partition's position is read once (locked) and written
once at the end, and the chat times of messages are grouped (the latest
per conversation) into one statement, flushed before any other write and
at the end: most events are messages, and most of them touch nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, LiteralString

import psycopg
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import retry
from psycopg import Cursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from domain.conversation import direct_conversation_id
from infra.postgres.tracking import TrackingStatements
from projections.ports import AlreadyProjected

_PAIR: Final = "((%(user_id)s, %(other_id)s), (%(other_id)s, %(user_id)s))"
_STATEMENTS: Final[dict[str, LiteralString]] = {
    "lock": """SELECT notification_id FROM {s}.friends_tracking
        WHERE application_name = %(application_name)s FOR UPDATE""",
    "started": """WITH chat AS (
            INSERT INTO {s}.direct_chats (conversation_id, user_a, user_b)
            VALUES (%(conversation_id)s, %(user_a)s, %(user_b)s) ON CONFLICT DO NOTHING
        )
        UPDATE {s}.friendships SET conversation_id = %(conversation_id)s
        WHERE (user_id, friend_id) IN ((%(user_a)s, %(user_b)s), (%(user_b)s, %(user_a)s))""",
    "chatted": """WITH chats (conversation_id, at) AS (
            SELECT * FROM unnest(%(conversation_ids)s::text[], %(ats)s::timestamptz[])
        ), moved AS (
            UPDATE {s}.direct_chats d SET last_chat_at = greatest(d.last_chat_at, c.at)
            FROM chats c WHERE d.conversation_id = c.conversation_id
        )
        UPDATE {s}.friendships f SET last_chat_at = greatest(f.last_chat_at, c.at)
        FROM chats c WHERE f.conversation_id = c.conversation_id""",
    "requested": """INSERT INTO {s}.friend_requests (from_id, to_id, requested_at)
        VALUES (%(user_id)s, %(other_id)s, %(at)s) ON CONFLICT DO NOTHING""",
    "befriended": """WITH gone AS (
            DELETE FROM {s}.friend_requests WHERE (from_id, to_id) IN """
    + _PAIR
    + """
        )
        INSERT INTO {s}.friendships (user_id, friend_id, since, conversation_id, last_chat_at)
        SELECT p.user_id, p.friend_id, %(at)s, d.conversation_id, d.last_chat_at
        FROM (VALUES """
    + _PAIR[1:-1]
    + """) AS p (user_id, friend_id)
        LEFT JOIN {s}.direct_chats d ON d.conversation_id = %(conversation_id)s
        ON CONFLICT (user_id, friend_id) DO NOTHING""",
    "dropped": "DELETE FROM {s}.friend_requests WHERE (from_id, to_id) IN " + _PAIR,
    "ended": "DELETE FROM {s}.friendships WHERE (user_id, friend_id) IN " + _PAIR,
    "blocked": """WITH friendship AS (
            DELETE FROM {s}.friendships WHERE (user_id, friend_id) IN """
    + _PAIR
    + """
        ), request AS (
            DELETE FROM {s}.friend_requests WHERE (from_id, to_id) IN """
    + _PAIR
    + """
        )
        INSERT INTO {s}.blocks (blocker_id, blocked_id, blocked_at)
        VALUES (%(user_id)s, %(other_id)s, %(at)s) ON CONFLICT DO NOTHING""",
    "unblocked": """DELETE FROM {s}.blocks
        WHERE blocker_id = %(user_id)s AND blocked_id = %(other_id)s""",
    "advance": """INSERT INTO {s}.friends_tracking (application_name, notification_id)
        VALUES (%(application_name)s, %(notification_id)s)
        ON CONFLICT (application_name) DO UPDATE SET notification_id = EXCLUDED.notification_id
        WHERE {s}.friends_tracking.notification_id < EXCLUDED.notification_id
        RETURNING notification_id""",
}


@dataclass
class _Batch:
    curs: Cursor[DictRow]
    statements: dict[str, sql.Composed]
    _recorded: dict[str, int | None] = field(default_factory=dict)
    _taken: dict[str, int] = field(default_factory=dict)
    _chats: dict[str, datetime] = field(default_factory=dict)

    def take(self, tracking: Tracking) -> None:
        """Claims the position for this batch, or raises AlreadyProjected."""
        name = tracking.application_name
        if name not in self._recorded:
            self.curs.execute(self.statements["lock"], {"application_name": name})
            row = self.curs.fetchone()
            self._recorded[name] = None if row is None else int(row["notification_id"])
        last = self._taken.get(name, self._recorded[name])
        if last is not None and tracking.notification_id <= last:
            raise AlreadyProjected(f"{tracking} is not after {last}")
        self._taken[name] = tracking.notification_id

    def chat(self, conversation_id: str, at: datetime) -> None:
        earlier = self._chats.get(conversation_id)
        self._chats[conversation_id] = at if earlier is None else max(earlier, at)

    def execute(self, statement: str, params: dict[str, Any]) -> None:
        self.flush()
        self.curs.execute(self.statements[statement], params)

    def flush(self) -> None:
        if self._chats:
            chats, self._chats = self._chats, {}
            params = {"conversation_ids": list(chats), "ats": list(chats.values())}
            self.curs.execute(self.statements["chatted"], params)

    def finish(self) -> None:
        self.flush()
        for name, position in self._taken.items():
            params = {"application_name": name, "notification_id": position}
            self.curs.execute(self.statements["advance"], params)
            if self.curs.fetchone() is None:
                raise IntegrityError(f"{name} was moved past {position} meanwhile")


class PostgresFriendsView:
    def __init__(self, pool: ConnectionPool, schema: str) -> None:
        self._pool = pool
        self._tracking = TrackingStatements(schema, "friends_tracking")
        self._statements = {
            name: sql.SQL(text).format(s=sql.Identifier(schema))
            for name, text in _STATEMENTS.items()
        }
        self._batch: _Batch | None = None

    @classmethod
    def from_dsn(cls, dsn: str, schema: str) -> PostgresFriendsView:
        return cls(ConnectionPool(dsn, min_size=1, max_size=1, open=False), schema)

    def close(self) -> None:
        self._pool.close()

    @retry((psycopg.OperationalError,), max_attempts=10, wait=0.2)
    def max_tracking_id(self, application_name: str) -> int | None:
        with self._transaction() as curs:
            return self._tracking.max_id(curs, application_name)

    @contextmanager
    def _transaction(self) -> Iterator[Cursor[DictRow]]:
        self._pool.open()
        with (
            self._pool.connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=dict_row) as curs,
        ):
            curs.execute("SET LOCAL synchronous_commit = off")
            yield curs

    @contextmanager
    def batch(self) -> Iterator[None]:
        if self._batch is not None:
            yield  # already in one
            return
        with self._transaction() as curs:
            self._batch = _Batch(curs, self._statements)
            try:
                yield
                self._batch.finish()
            finally:
                self._batch = None

    def _write(self, tracking: Tracking, statement: str | None, **params: Any) -> None:
        with self.batch():
            assert self._batch is not None
            self._batch.take(tracking)
            if statement is not None:
                self._batch.execute(statement, params)

    def direct_started(
        self, conversation_id: str, user_ids: Sequence[str], tracking: Tracking
    ) -> None:
        user_a, user_b = sorted(user_ids)
        self._write(
            tracking, "started", conversation_id=conversation_id, user_a=user_a, user_b=user_b
        )

    def chatted(self, conversation_id: str, at: datetime, tracking: Tracking) -> None:
        with self.batch():
            assert self._batch is not None
            self._batch.take(tracking)
            self._batch.chat(conversation_id, at)

    def friend_requested(
        self, user_id: str, other_id: str, at: datetime, tracking: Tracking
    ) -> None:
        self._write(tracking, "requested", user_id=user_id, other_id=other_id, at=at)

    def friends_made(self, user_id: str, other_id: str, at: datetime, tracking: Tracking) -> None:
        conversation_id = str(direct_conversation_id(user_id, other_id))
        self._write(
            tracking,
            "befriended",
            user_id=user_id,
            other_id=other_id,
            at=at,
            conversation_id=conversation_id,
        )

    def request_dropped(self, user_id: str, other_id: str, tracking: Tracking) -> None:
        self._write(tracking, "dropped", user_id=user_id, other_id=other_id)

    def friendship_ended(self, user_id: str, other_id: str, tracking: Tracking) -> None:
        self._write(tracking, "ended", user_id=user_id, other_id=other_id)

    def user_blocked(self, user_id: str, other_id: str, at: datetime, tracking: Tracking) -> None:
        self._write(tracking, "blocked", user_id=user_id, other_id=other_id, at=at)

    def user_unblocked(self, user_id: str, other_id: str, tracking: Tracking) -> None:
        self._write(tracking, "unblocked", user_id=user_id, other_id=other_id)

    def skip(self, tracking: Tracking) -> None:
        self._write(tracking, None)
