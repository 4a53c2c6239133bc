"""MessageSearch on PostgreSQL full-text search: ``messages.search`` is a
``tsvector`` generated from the body in the configured text search
configuration (``CHAT_SEARCH_LANGUAGE``, ``simple`` by default: no
stemming, any language), indexed with GIN. Being a generated column, it is
written by the very statement that writes the body (the projection's
transaction): an edit re-indexes, a deletion (empty body) leaves nothing."""

from __future__ import annotations

from typing import Any, Final

from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from infra.postgres.message_changes import changes_join
from infra.postgres.pool import PooledStore
from infra.postgres.queries import message_from_row
from projections.search import (
    MATCH_END,
    MATCH_START,
    SearchHit,
    SearchPage,
    page_of,
    parts_from_marks,
)

DEFAULT_LANGUAGE = "simple"
_NO_UPPER_BOUND = 2**63 - 1
_HEADLINE_OPTIONS = f"StartSel={MATCH_START}, StopSel={MATCH_END}, HighlightAll=true"


_COLUMN: Final = """
ALTER TABLE {s}.messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector({config}::regconfig, body)) STORED
"""
_INDEX: Final = "CREATE INDEX IF NOT EXISTS messages_search ON {s}.messages USING gin (search)"


def search_columns(schema: str, language: str) -> tuple[sql.Composed, ...]:
    """DDL: the generated column and its GIN index (the language is fixed
    when the column is made: another one takes a rebuild into a new schema)."""
    s, config = sql.Identifier(schema), sql.Literal(language)
    return (sql.SQL(_COLUMN).format(s=s, config=config), sql.SQL(_INDEX).format(s=s))


_SEARCH: Final = """
WITH q AS (SELECT websearch_to_tsquery({config}::regconfig, %(text)s) AS query)
SELECT x.conversation_id, x.seq, x.message_id, x.sender_id, x.body, x.client_msg_id,
       x.sent_at, NULL AS status, x_changes.*,
       ts_headline({config}::regconfig, x.body, q.query, %(options)s) AS marked
FROM q, {s}.members m
JOIN {s}.messages x ON x.conversation_id = m.conversation_id
{changes}
WHERE m.user_id = %(user_id)s AND x.search @@ q.query AND x.deleted_at IS NULL
  AND x.message_id < %(before)s
ORDER BY x.message_id DESC
LIMIT %(limit)s
"""


class PostgresSearch(PooledStore):
    def __init__(
        self,
        dsn: str,
        schema: str,
        language: str = DEFAULT_LANGUAGE,
        *,
        pool: AsyncConnectionPool | None = None,
    ) -> None:
        super().__init__(dsn, pool)
        self._search = sql.SQL(_SEARCH).format(
            s=sql.Identifier(schema),
            config=sql.Literal(language),
            changes=changes_join(schema, "x"),
        )

    async def search(self, user_id: str, text: str, before: int | None, limit: int) -> SearchPage:
        params: dict[str, Any] = {
            "text": text,
            "options": _HEADLINE_OPTIONS,
            "user_id": user_id,
            "before": _NO_UPPER_BOUND if before is None else before,
            "limit": max(limit, 0),
        }
        async with (
            self._pool.connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=dict_row) as cursor,
        ):
            # A user's search touches a few thousand rows at most: parallel
            # workers only add their start-up.
            await cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            # Never prepared: a generic plan does not know how common the
            # words are, and scans the GIN index for a word in most messages
            # instead of the user's conversations (1 s instead of 1 ms at 1M
            # messages, docs/messages.md).
            await cursor.execute(self._search, params, prepare=False)
            rows = await cursor.fetchall()
        hits = [SearchHit(message_from_row(row), parts_from_marks(row["marked"])) for row in rows]
        return page_of(hits, limit)
