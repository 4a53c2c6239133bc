"""Media metadata in PostgreSQL (table ``media``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from commands.media_catalog import StoredMedia
from domain.attachments import Attachment
from infra.postgres.pool import PooledStore, in_schema

_ADD = """
INSERT INTO {s}.media (media_id, uploader_id, kind, content_type, size, sha256, width,
                       height, duration_ms, thumbnail_sha256, uploaded_at)
VALUES (%(media_id)s, %(uploader_id)s, %(kind)s, %(content_type)s, %(size)s, %(sha256)s,
        %(width)s, %(height)s, %(duration_ms)s, %(thumbnail_sha256)s, %(uploaded_at)s)
"""
_FIND = "SELECT * FROM {s}.media WHERE media_id = %(media_id)s"
_DELETE = "DELETE FROM {s}.media WHERE media_id = %(media_id)s"
_SINCE = """
SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM {s}.media
WHERE uploader_id = %(user_id)s AND uploaded_at >= %(since)s
"""
_BEFORE = """
SELECT * FROM {s}.media WHERE uploaded_at < %(cutoff)s
ORDER BY uploaded_at, media_id LIMIT %(limit)s
"""
_HASHES = """
SELECT sha256 AS h FROM {s}.media
UNION SELECT thumbnail_sha256 FROM {s}.media WHERE thumbnail_sha256 IS NOT NULL
"""


class PostgresMediaCatalog(PooledStore):
    def __init__(self, dsn: str, schema: str, *, pool: AsyncConnectionPool | None = None) -> None:
        super().__init__(dsn, pool)
        self._schema = schema

    async def _rows(self, text: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as curs:
            await curs.execute(in_schema(text, self._schema), params)
            return await curs.fetchall() if curs.description else []

    async def add(self, stored: StoredMedia) -> None:
        media = stored.media.as_json()
        media.pop("has_thumbnail")
        params = {
            **media,
            "uploader_id": stored.uploader_id,
            "thumbnail_sha256": stored.thumbnail_sha256,
            "uploaded_at": stored.uploaded_at,
        }
        await self._rows(_ADD, params)

    async def find(self, media_id: str) -> StoredMedia | None:
        rows = await self._rows(_FIND, {"media_id": media_id})
        return _stored(rows[0]) if rows else None

    async def delete(self, media_id: str) -> None:
        await self._rows(_DELETE, {"media_id": media_id})

    async def uploaded_since(self, user_id: str, since: datetime) -> tuple[int, int]:
        row = (await self._rows(_SINCE, {"user_id": user_id, "since": since}))[0]
        return int(row["n"]), int(row["bytes"])

    async def uploaded_before(self, cutoff: datetime, limit: int) -> list[StoredMedia]:
        rows = await self._rows(_BEFORE, {"cutoff": cutoff, "limit": limit})
        return [_stored(row) for row in rows]

    async def referenced_hashes(self) -> set[str]:
        return {row["h"] for row in await self._rows(_HASHES, {})}


def _stored(row: dict[str, Any]) -> StoredMedia:
    media = Attachment(
        media_id=row["media_id"],
        kind=row["kind"],
        content_type=row["content_type"],
        size=int(row["size"]),
        sha256=row["sha256"],
        width=row["width"],
        height=row["height"],
        duration_ms=row["duration_ms"],
        has_thumbnail=row["thumbnail_sha256"] is not None,
    )
    return StoredMedia(media, row["uploader_id"], row["uploaded_at"], row["thumbnail_sha256"])
