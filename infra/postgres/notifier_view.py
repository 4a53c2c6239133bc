"""The notifier's view in PostgreSQL: members and titles projected from the
log, recipients with their mutes and devices, and the decisions with their
pending deliveries, each write with its tracking position (table
``notifier_tracking``) in the caller's batch transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, LiteralString, TypeVar

import psycopg
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import retry
from psycopg import Cursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from commands.devices import Device
from infra.postgres.tracking import TrackingStatements
from projections.notification_ports import PENDING, Decision, Notice, Recipient
from projections.ports import AlreadyProjected

T = TypeVar("T")

_START = """
WITH started AS (
    INSERT INTO {s}.notifier_conversations (conversation_id, kind, title)
    VALUES (%(conversation_id)s, %(kind)s, %(title)s)
    ON CONFLICT (conversation_id) DO NOTHING
)
INSERT INTO {s}.notifier_members (conversation_id, user_id)
SELECT %(conversation_id)s, unnest(%(user_ids)s::text[])
ON CONFLICT DO NOTHING
"""
_ADD = """
INSERT INTO {s}.notifier_members (conversation_id, user_id)
SELECT %(conversation_id)s, unnest(%(user_ids)s::text[])
ON CONFLICT DO NOTHING
"""
_GONE = """
DELETE FROM {s}.notifier_members
WHERE conversation_id = %(conversation_id)s AND user_id = %(user_id)s
"""
_RENAME = """
UPDATE {s}.notifier_conversations SET title = %(title)s
WHERE conversation_id = %(conversation_id)s
"""
_TITLE = "SELECT title FROM {s}.notifier_conversations WHERE conversation_id = %(conversation_id)s"
_RECIPIENTS = """
SELECT m.user_id,
       EXISTS (SELECT 1 FROM {s}.notification_mutes u
               WHERE u.user_id = m.user_id AND u.conversation_id = m.conversation_id) AS muted
FROM {s}.notifier_members m
WHERE m.conversation_id = %(conversation_id)s AND m.user_id <> %(sender_id)s
ORDER BY m.user_id COLLATE "C"
"""
_DEVICES = """
SELECT * FROM {s}.devices WHERE user_id = ANY(%(user_ids)s)
ORDER BY user_id, created_at, device_id
"""
# The pending, unleased delivery of the same device and conversation is
# folded into the new one.
_PENDING = """
WITH folded AS (
    UPDATE {s}.notification_decisions
    SET decision = 'collapsed', at = %(at)s, due = NULL, reason = NULL, body = NULL
    WHERE user_id = %(user_id)s AND device_id = %(device_id)s
      AND conversation_id = %(conversation_id)s AND decision = 'pending'
      AND (lease_until IS NULL OR lease_until < %(at)s)
    RETURNING folded
)
INSERT INTO {s}.notification_decisions
    (user_id, message_id, conversation_id, seq, device_id, decision, at, sender_id,
     title, body, folded, destination, due)
SELECT %(user_id)s, %(message_id)s, %(conversation_id)s, %(seq)s, %(device_id)s, 'pending',
       %(at)s, %(sender_id)s, %(title)s, %(body)s, 1 + coalesce(sum(folded), 0),
       %(destination)s, %(at)s
FROM folded
"""
_SKIPPED = """
INSERT INTO {s}.notification_decisions
    (user_id, message_id, conversation_id, seq, device_id, decision, reason, at, sender_id)
VALUES (%(user_id)s, %(message_id)s, %(conversation_id)s, %(seq)s, %(device_id)s,
        %(decision)s, %(reason)s, %(at)s, %(sender_id)s)
"""


def _q(text: LiteralString, schema: str) -> sql.Composed:
    return sql.SQL(text).format(s=sql.Identifier(schema))


def device_of(row: dict[str, Any]) -> Device:
    return Device(
        device_id=row["device_id"],
        user_id=row["user_id"],
        kind=row["kind"],
        address=row["address"],
        created_at=row["created_at"],
        endpoint=row["endpoint"],
        p256dh=row["p256dh"],
        auth=row["auth"],
        app_id=row["app_id"],
        pushkey=row["pushkey"],
    )


class PostgresNotifierView:
    def __init__(self, pool: ConnectionPool, schema: str) -> None:
        self._pool = pool
        self._tracking = TrackingStatements(schema, "notifier_tracking")
        self._sql = {
            name: _q(text, schema)
            for name, text in (
                ("start", _START),
                ("add", _ADD),
                ("gone", _GONE),
                ("rename", _RENAME),
                ("title", _TITLE),
                ("recipients", _RECIPIENTS),
                ("devices", _DEVICES),
                ("pending", _PENDING),
                ("skipped", _SKIPPED),
            )
        }
        self._batch: Cursor[DictRow] | None = None

    @classmethod
    def from_dsn(cls, dsn: str, schema: str) -> PostgresNotifierView:
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
            yield curs

    @contextmanager
    def batch(self) -> Iterator[None]:
        with self._transaction() as curs:
            self._batch = curs
            try:
                yield
            finally:
                self._batch = None

    def _read(self, read: Callable[[Cursor[DictRow]], T]) -> T:
        if self._batch is not None:
            return read(self._batch)
        with self._transaction() as curs:
            return read(curs)

    def _write(self, tracking: Tracking, write: Callable[[Cursor[DictRow]], object]) -> None:
        def tracked(curs: Cursor[DictRow]) -> None:
            try:
                self._tracking.advance(curs, tracking)
            except IntegrityError as error:
                raise AlreadyProjected(str(error)) from error
            write(curs)

        self._read(tracked)

    def conversation_started(
        self,
        conversation_id: str,
        kind: str,
        title: str | None,
        members: Sequence[str],
        tracking: Tracking,
    ) -> None:
        params = {
            "conversation_id": conversation_id,
            "kind": kind,
            "title": title,
            "user_ids": list(members),
        }
        self._write(tracking, lambda curs: curs.execute(self._sql["start"], params))

    def members_added(
        self, conversation_id: str, user_ids: Sequence[str], tracking: Tracking
    ) -> None:
        params = {"conversation_id": conversation_id, "user_ids": list(user_ids)}
        self._write(tracking, lambda curs: curs.execute(self._sql["add"], params))

    def member_gone(self, conversation_id: str, user_id: str, tracking: Tracking) -> None:
        params = {"conversation_id": conversation_id, "user_id": user_id}
        self._write(tracking, lambda curs: curs.execute(self._sql["gone"], params))

    def group_renamed(self, conversation_id: str, title: str, tracking: Tracking) -> None:
        params = {"conversation_id": conversation_id, "title": title}
        self._write(tracking, lambda curs: curs.execute(self._sql["rename"], params))

    def skip(self, tracking: Tracking) -> None:
        self._write(tracking, lambda curs: None)

    def recipients(
        self, conversation_id: str, sender_id: str
    ) -> tuple[str | None, list[Recipient]]:
        params = {"conversation_id": conversation_id, "sender_id": sender_id}

        def read(curs: Cursor[DictRow]) -> tuple[str | None, list[Recipient]]:
            curs.execute(self._sql["title"], params)
            found = curs.fetchone()
            curs.execute(self._sql["recipients"], params)
            members = curs.fetchall()
            user_ids = [row["user_id"] for row in members]
            curs.execute(self._sql["devices"], {"user_ids": user_ids})
            devices: dict[str, list[Device]] = {}
            for row in curs.fetchall():
                devices.setdefault(row["user_id"], []).append(device_of(row))
            recipients = [
                Recipient(row["user_id"], row["muted"], tuple(devices.get(row["user_id"], ())))
                for row in members
            ]
            return (found["title"] if found else None), recipients

        return self._read(read)

    def record_decisions(
        self,
        notice: Notice,
        title: str | None,
        decisions: Sequence[Decision],
        destinations: dict[str, str],
        at: datetime,
        tracking: Tracking,
    ) -> None:
        common = {
            "message_id": notice.message_id,
            "conversation_id": notice.conversation_id,
            "seq": notice.seq,
            "sender_id": notice.sender_id,
            "at": at,
        }

        def write(curs: Cursor[DictRow]) -> None:
            for decision in decisions:
                device_id = decision.device.device_id if decision.device else None
                params = {**common, "user_id": decision.user_id, "device_id": device_id}
                if decision.decision == PENDING and device_id is not None:
                    params.update(
                        title=title, body=notice.body, destination=destinations[device_id]
                    )
                    curs.execute(self._sql["pending"], params)
                else:
                    params.update(decision=decision.decision, reason=decision.reason)
                    curs.execute(self._sql["skipped"], params)

        self._write(tracking, write)
