"""PostgreSQL helpers of the tests."""

from __future__ import annotations

import psycopg
from psycopg import sql


def drop_schema(dsn: str, schema: str) -> None:
    """Drops the schema and everything in it."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
