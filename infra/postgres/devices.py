"""Devices, mutes and the decision log in PostgreSQL, as the edge uses them
(async; the pool may be shared with the edge's queries)."""

from __future__ import annotations

from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from commands.devices import Device
from infra.postgres.notifier_view import device_of
from infra.postgres.pool import PooledStore, in_schema

_COUNT_OTHERS = """
SELECT count(*) AS n FROM {s}.devices WHERE user_id = %(user_id)s AND device_id <> %(device_id)s
"""
_MOVE = "DELETE FROM {s}.devices WHERE address = %(address)s AND user_id <> %(user_id)s"
_SAVE = """
INSERT INTO {s}.devices
    (user_id, device_id, kind, address, endpoint, p256dh, auth, app_id, pushkey, created_at)
VALUES (%(user_id)s, %(device_id)s, %(kind)s, %(address)s, %(endpoint)s, %(p256dh)s,
        %(auth)s, %(app_id)s, %(pushkey)s, %(created_at)s)
ON CONFLICT (user_id, device_id) DO UPDATE
SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
"""
_LIST = "SELECT * FROM {s}.devices WHERE user_id = %(user_id)s ORDER BY created_at, device_id"
_DELETE = """
DELETE FROM {s}.devices WHERE user_id = %(user_id)s AND device_id = %(device_id)s
RETURNING device_id
"""
_MUTE = """
INSERT INTO {s}.notification_mutes (user_id, conversation_id)
VALUES (%(user_id)s, %(conversation_id)s) ON CONFLICT DO NOTHING
"""
_UNMUTE = """
DELETE FROM {s}.notification_mutes
WHERE user_id = %(user_id)s AND conversation_id = %(conversation_id)s
"""
_IS_MUTED = """
SELECT 1 FROM {s}.notification_mutes
WHERE user_id = %(user_id)s AND conversation_id = %(conversation_id)s
"""
_DECISIONS = """
SELECT message_id, conversation_id, seq, device_id, decision, reason, at
FROM {s}.notification_decisions
WHERE user_id = %(user_id)s
  AND (%(conversation_id)s::text IS NULL OR conversation_id = %(conversation_id)s)
ORDER BY at DESC, decision_id DESC
LIMIT %(limit)s
"""


class PostgresDeviceStore(PooledStore):
    def __init__(self, dsn: str, schema: str, *, pool: AsyncConnectionPool | None = None) -> None:
        super().__init__(dsn, pool)
        self._schema = schema

    async def _rows(self, text: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as curs:
            await curs.execute(in_schema(text, self._schema), params)
            return await curs.fetchall() if curs.description else []

    async def save_device(self, device: Device, max_per_user: int) -> bool:
        params = {
            "user_id": device.user_id,
            "device_id": device.device_id,
            "kind": device.kind,
            "address": device.address,
            "endpoint": device.endpoint,
            "p256dh": device.p256dh,
            "auth": device.auth,
            "app_id": device.app_id,
            "pushkey": device.pushkey,
            "created_at": device.created_at,
        }
        async with (
            self._pool.connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=dict_row) as curs,
        ):
            await curs.execute(in_schema(_COUNT_OTHERS, self._schema), params)
            counted = await curs.fetchone()
            if counted is not None and counted["n"] >= max_per_user:
                return False
            await curs.execute(in_schema(_MOVE, self._schema), params)
            await curs.execute(in_schema(_SAVE, self._schema), params)
            return True

    async def devices(self, user_id: str) -> list[Device]:
        return [device_of(row) for row in await self._rows(_LIST, {"user_id": user_id})]

    async def delete_device(self, user_id: str, device_id: str) -> bool:
        params = {"user_id": user_id, "device_id": device_id}
        return bool(await self._rows(_DELETE, params))

    async def set_muted(self, user_id: str, conversation_id: str, muted: bool) -> None:
        params = {"user_id": user_id, "conversation_id": conversation_id}
        await self._rows(_MUTE if muted else _UNMUTE, params)

    async def is_muted(self, user_id: str, conversation_id: str) -> bool:
        params = {"user_id": user_id, "conversation_id": conversation_id}
        return bool(await self._rows(_IS_MUTED, params))

    async def decisions(
        self, user_id: str, limit: int, conversation_id: str | None = None
    ) -> list[dict[str, Any]]:
        params = {"user_id": user_id, "limit": limit, "conversation_id": conversation_id}
        return [
            {**row, "message_id": str(row["message_id"]), "at": row["at"].isoformat()}
            for row in await self._rows(_DECISIONS, params)
        ]
