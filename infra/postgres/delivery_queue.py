"""The delivery loop's queue on ``notification_decisions``: pending rows are
claimed with ``FOR UPDATE SKIP LOCKED`` and leased (``lease_until``), so
several notifier processes never send the same one at once, and a lease
that runs out (a killed process) makes the row due again."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, LiteralString

from psycopg import Cursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from infra.postgres.notifier_view import device_of
from projections.delivery_ports import Delivery

Key = tuple[str, int]

_CANDIDATES = """
SELECT d.user_id, d.decision_id, d.device_id
FROM {s}.notification_decisions d
WHERE d.decision = 'pending' AND d.due <= %(now)s
  AND (d.lease_until IS NULL OR d.lease_until < %(now)s)
  AND d.destination <> ALL(%(excluded)s::text[])
  AND NOT EXISTS (
      SELECT 1 FROM {s}.notification_decisions o
      WHERE o.user_id = d.user_id AND o.device_id = d.device_id
        AND o.decision = 'pending' AND o.lease_until >= %(now)s)
ORDER BY d.due, d.decision_id
LIMIT %(limit)s
FOR UPDATE OF d SKIP LOCKED
"""
_LEASE = """
UPDATE {s}.notification_decisions n SET lease_until = %(lease_until)s
FROM unnest(%(users)s::text[], %(ids)s::bigint[]) AS k (user_id, decision_id)
WHERE n.user_id = k.user_id AND n.decision_id = k.decision_id
RETURNING n.*
"""
_DEVICES = """
SELECT * FROM {s}.devices d
WHERE (d.user_id, d.device_id) IN (SELECT * FROM unnest(%(users)s::text[], %(devices)s::text[]))
"""
_GONE = """
UPDATE {s}.notification_decisions
SET decision = 'failed', reason = 'device removed', at = %(now)s,
    due = NULL, lease_until = NULL, body = NULL
WHERE user_id = %(user_id)s AND decision_id = %(decision_id)s
"""
_RENEW = """
UPDATE {s}.notification_decisions n SET lease_until = %(lease_until)s
FROM unnest(%(users)s::text[], %(ids)s::bigint[]) AS k (user_id, decision_id)
WHERE n.user_id = k.user_id AND n.decision_id = k.decision_id AND n.decision = 'pending'
"""
_RELEASE = """
UPDATE {s}.notification_decisions n SET lease_until = NULL, due = %(due)s
FROM unnest(%(users)s::text[], %(ids)s::bigint[]) AS k (user_id, decision_id)
WHERE n.user_id = k.user_id AND n.decision_id = k.decision_id AND n.decision = 'pending'
"""
_FINISH = """
UPDATE {s}.notification_decisions
SET decision = %(decision)s, reason = %(reason)s, at = %(at)s,
    due = NULL, lease_until = NULL, body = NULL
WHERE user_id = %(user_id)s AND decision_id = %(decision_id)s AND decision = 'pending'
"""
_RETRY = """
UPDATE {s}.notification_decisions
SET attempts = attempts + 1, due = %(due)s, lease_until = NULL, reason = %(reason)s
WHERE user_id = %(user_id)s AND decision_id = %(decision_id)s AND decision = 'pending'
"""
_DELETE_DEVICE = "DELETE FROM {s}.devices WHERE user_id = %(user_id)s AND device_id = %(device_id)s"
_PRUNE = """
DELETE FROM {s}.notification_decisions
WHERE at < %(before)s AND decision <> 'pending'
"""


def _q(text: LiteralString, schema: str) -> sql.Composed:
    return sql.SQL(text).format(s=sql.Identifier(schema))


class PostgresDeliveryQueue:
    def __init__(self, pool: ConnectionPool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    @classmethod
    def from_dsn(cls, dsn: str, schema: str) -> PostgresDeliveryQueue:
        return cls(ConnectionPool(dsn, min_size=1, max_size=4, open=False), schema)

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _transaction(self) -> Iterator[Cursor[DictRow]]:
        self._pool.open()
        with (
            self._pool.connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=dict_row) as curs,
        ):
            yield curs

    def _run(self, text: LiteralString, params: dict[str, Any]) -> int:
        with self._transaction() as curs:
            curs.execute(_q(text, self._schema), params)
            return curs.rowcount

    def claim(
        self, now: datetime, limit: int, lease_until: datetime, excluded: Sequence[str]
    ) -> list[Delivery]:
        with self._transaction() as curs:
            params = {"now": now, "limit": limit, "excluded": list(excluded)}
            curs.execute(_q(_CANDIDATES, self._schema), params)
            chosen, seen = [], set()
            for row in curs.fetchall():
                if (row["user_id"], row["device_id"]) not in seen:
                    seen.add((row["user_id"], row["device_id"]))
                    chosen.append(row)
            if not chosen:
                return []
            return self._lease(curs, chosen, now, lease_until)

    def _lease(
        self,
        curs: Cursor[DictRow],
        chosen: list[DictRow],
        now: datetime,
        lease_until: datetime,
    ) -> list[Delivery]:
        users = [row["user_id"] for row in chosen]
        curs.execute(
            _q(_DEVICES, self._schema),
            {"users": users, "devices": [row["device_id"] for row in chosen]},
        )
        devices = {(d["user_id"], d["device_id"]): device_of(d) for d in curs.fetchall()}
        keys = {"users": users, "ids": [row["decision_id"] for row in chosen]}
        curs.execute(_q(_LEASE, self._schema), {**keys, "lease_until": lease_until})
        claimed: list[Delivery] = []
        for row in sorted(curs.fetchall(), key=lambda r: (r["due"], r["decision_id"])):
            device = devices.get((row["user_id"], row["device_id"]))
            if device is None:
                curs.execute(_q(_GONE, self._schema), {**row, "now": now})
                continue
            claimed.append(_delivery(row, device))
        return claimed

    def renew(self, keys: Sequence[Key], lease_until: datetime) -> None:
        self._run(_RENEW, {**_keys(keys), "lease_until": lease_until})

    def release(self, keys: Sequence[Key], due: datetime) -> None:
        self._run(_RELEASE, {**_keys(keys), "due": due})

    def _finish(self, delivery: Delivery, decision: str, at: datetime, reason: str | None) -> None:
        params = {
            "user_id": delivery.user_id,
            "decision_id": delivery.decision_id,
            "decision": decision,
            "reason": reason,
            "at": at,
        }
        self._run(_FINISH, params)

    def sent(self, delivery: Delivery, at: datetime) -> None:
        self._finish(delivery, "sent", at, None)

    def retry(self, delivery: Delivery, due: datetime, reason: str) -> None:
        params = {
            "user_id": delivery.user_id,
            "decision_id": delivery.decision_id,
            "due": due,
            "reason": reason,
        }
        self._run(_RETRY, params)

    def failed(self, delivery: Delivery, at: datetime, reason: str) -> None:
        self._finish(delivery, "failed", at, reason)

    def rejected(self, delivery: Delivery, at: datetime, reason: str) -> None:
        """The decision and the device's deletion in one transaction."""
        params = {
            "user_id": delivery.user_id,
            "decision_id": delivery.decision_id,
            "device_id": delivery.device.device_id,
            "decision": "rejected",
            "reason": reason,
            "at": at,
        }
        with self._transaction() as curs:
            curs.execute(_q(_FINISH, self._schema), params)
            curs.execute(_q(_DELETE_DEVICE, self._schema), params)

    def prune(self, before: datetime) -> int:
        return self._run(_PRUNE, {"before": before})


def _keys(keys: Sequence[Key]) -> dict[str, list[Any]]:
    return {"users": [user for user, _ in keys], "ids": [ident for _, ident in keys]}


def _delivery(row: dict[str, Any], device: Any) -> Delivery:
    return Delivery(
        user_id=row["user_id"],
        decision_id=row["decision_id"],
        device=device,
        conversation_id=row["conversation_id"],
        message_id=row["message_id"],
        seq=row["seq"],
        sender_id=row["sender_id"],
        title=row["title"],
        body=row["body"],
        folded=row["folded"],
        attempts=row["attempts"],
        destination=row["destination"] or "",
    )
