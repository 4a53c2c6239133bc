"""AccountStore in PostgreSQL: users (unique handle) and sessions by token hash.

The tables come from infra.postgres.schema. Give it its own pool (``dsn``) or
share one (``pool``); ``await open()`` / ``await close()`` act only on a
pool it owns.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from psycopg import sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from commands.accounts import Session, User
from infra.postgres.pool import PooledStore, in_schema

_ADD_USER = """
INSERT INTO {s}.users (user_id, handle, display_name, password_hash)
VALUES (%(user_id)s, %(handle)s, %(display_name)s, %(password_hash)s)
ON CONFLICT (handle) DO NOTHING
RETURNING user_id
"""
_USER_BY_HANDLE = """
SELECT user_id, handle, display_name, password_hash FROM {s}.users WHERE handle = %(key)s
"""
_USER_BY_ID = """
SELECT user_id, handle, display_name, password_hash FROM {s}.users WHERE user_id = %(key)s
"""
_ADD_SESSION = """
INSERT INTO {s}.sessions (token_hash, session_id, user_id, expires_at)
VALUES (%(token_hash)s, %(session_id)s, %(user_id)s, %(expires_at)s)
"""
_SESSION = """
SELECT session_id, user_id, expires_at FROM {s}.sessions WHERE token_hash = %(key)s
"""
_REMOVE_SESSION = """
DELETE FROM {s}.sessions WHERE token_hash = %(key)s
RETURNING session_id, user_id, expires_at
"""


class PostgresAccountStore(PooledStore):
    def __init__(self, dsn: str, schema: str, *, pool: AsyncConnectionPool | None = None) -> None:
        super().__init__(dsn, pool)
        self._sql_add_user = in_schema(_ADD_USER, schema)
        self._sql_user_by_handle = in_schema(_USER_BY_HANDLE, schema)
        self._sql_user_by_id = in_schema(_USER_BY_ID, schema)
        self._sql_add_session = in_schema(_ADD_SESSION, schema)
        self._sql_session = in_schema(_SESSION, schema)
        self._sql_remove_session = in_schema(_REMOVE_SESSION, schema)

    async def add_user(self, user: User, password_hash: str) -> bool:
        params = {
            "user_id": user.user_id,
            "handle": user.handle,
            "display_name": user.display_name,
            "password_hash": password_hash,
        }
        return await self._one(self._sql_add_user, params) is not None

    async def user_by_handle(self, handle: str) -> tuple[User, str] | None:
        row = await self._one(self._sql_user_by_handle, {"key": handle})
        return (_user(row), row["password_hash"]) if row else None

    async def user_by_id(self, user_id: str) -> User | None:
        row = await self._one(self._sql_user_by_id, {"key": user_id})
        return _user(row) if row else None

    async def add_session(self, token_hash: str, session: Session) -> None:
        params = {
            "token_hash": token_hash,
            "session_id": session.session_id,
            "user_id": session.user_id,
            "expires_at": session.expires_at,
        }
        await self._one(self._sql_add_session, params)

    async def session(self, token_hash: str) -> Session | None:
        row = await self._one(self._sql_session, {"key": token_hash})
        return _session(row) if row else None

    async def remove_session(self, token_hash: str) -> Session | None:
        row = await self._one(self._sql_remove_session, {"key": token_hash})
        return _session(row) if row else None

    async def _one(self, query: sql.Composed, params: dict[str, Any]) -> DictRow | None:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(query, params)
            return await cursor.fetchone() if cursor.description else None


def _user(row: DictRow) -> User:
    return User(row["user_id"], row["handle"], row["display_name"])


def _session(row: DictRow) -> Session:
    return Session(row["session_id"], row["user_id"], row["expires_at"].astimezone(UTC))
