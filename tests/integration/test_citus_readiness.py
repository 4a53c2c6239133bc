"""The schema is ready for Citus: checked on the catalog of a fresh schema
and on the parse trees of the statements the adapters run.

Citus is not installed here. The catalog part is exact (what Citus refuses:
a primary key or unique constraint of a distributed table without its
distribution column). The statement part applies tests/support/shard_check's
rules, stricter than Citus's planner: a statement judged ``router`` there
goes to one shard on Citus too; one judged ``cross-shard`` may or may not be
refused by Citus, but would move rows between nodes at best.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from infra.postgres.accounts import PostgresAccountStore
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.contacts import PostgresContactDirectory
from infra.postgres.distribution import PLACEMENTS, Distributed, citus_calls
from infra.postgres.friends_queries import PostgresFriendQueries
from infra.postgres.pool import async_pool
from infra.postgres.queries import PostgresQueries
from infra.postgres.schema import create_schema
from infra.postgres.search import PostgresSearch
from infra.postgres.tracking import TrackingStatements
from infra.postgres.unread import PostgresUnreadCounter
from tests.conftest import POSTGRES_DSN
from tests.support.postgres import drop_schema
from tests.support.shard_check import verdict

_CONSTRAINTS = """
SELECT c.relname, con.conname, con.contype,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) AS k (n)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n) AS columns
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND con.contype IN ('p', 'u')
UNION ALL
SELECT c.relname, i.relname, 'i',
       ARRAY(SELECT a.attname FROM unnest(x.indkey) AS k (n)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n)
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND x.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid)
"""

_TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = %s AND table_type = 'BASE TABLE'
"""

_COLUMNS = """
SELECT table_name, column_name, data_type FROM information_schema.columns
WHERE table_schema = %s
"""


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    name = f"citus_ready_{uuid.uuid4().hex[:8]}"
    create_schema(POSTGRES_DSN, name)
    try:
        yield name
    finally:
        drop_schema(POSTGRES_DSN, name)


@pytest.fixture(scope="module")
def connection() -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        yield conn


def _columns(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> dict[str, set[str]]:
    columns: dict[str, set[str]] = {}
    for table, column, _ in conn.execute(_COLUMNS, (schema,)).fetchall():
        columns.setdefault(str(table), set()).add(str(column))
    return columns


def test_every_table_of_a_fresh_schema_has_a_placement(
    connection: psycopg.Connection[tuple[object, ...]], schema: str
) -> None:
    tables = {str(row[0]) for row in connection.execute(_TABLES, (schema,)).fetchall()}
    assert tables - PLACEMENTS.keys() == set(), "tables without a placement"
    assert PLACEMENTS.keys() - tables == set(), "placements of tables that do not exist"


def test_every_unique_constraint_of_a_distributed_table_holds_its_distribution_column(
    connection: psycopg.Connection[tuple[object, ...]], schema: str
) -> None:
    lacking = [
        f"{table}.{name} {columns}"
        for table, name, _, columns in connection.execute(_CONSTRAINTS, (schema, schema))
        if isinstance(placement := PLACEMENTS[str(table)], Distributed)
        and placement.column not in list(columns)  # type: ignore[call-overload]
    ]
    assert lacking == []


def test_every_distributed_table_has_a_primary_key(
    connection: psycopg.Connection[tuple[object, ...]], schema: str
) -> None:
    """Citus needs the distribution column NOT NULL; the key proves it."""
    keyed = {
        str(table)
        for table, _, kind, _ in connection.execute(_CONSTRAINTS, (schema, schema))
        if kind == "p"
    }
    distributed = {t for t, p in PLACEMENTS.items() if isinstance(p, Distributed)}
    assert distributed - keyed == set()


def test_tables_of_a_colocation_group_share_the_type_of_their_distribution_column(
    connection: psycopg.Connection[tuple[object, ...]], schema: str
) -> None:
    types = {
        (str(table), str(column)): str(kind)
        for table, column, kind in connection.execute(_COLUMNS, (schema,)).fetchall()
    }
    by_group: dict[str, set[str]] = {}
    for table, placement in PLACEMENTS.items():
        if isinstance(placement, Distributed):
            by_group.setdefault(placement.group, set()).add(types[(table, placement.column)])
    assert {group: kinds for group, kinds in by_group.items() if len(kinds) > 1} == {}


def test_docs_scaling_carries_the_citus_calls_of_the_placements() -> None:
    page = (Path(__file__).parents[2] / "docs" / "scaling.md").read_text(encoding="utf-8")
    missing = [call for call in citus_calls("chat") if call not in page]
    assert missing == []


# Every statement of the read API's and the projector's hot paths, with the
# verdict it must keep. The multi-shard ones are said with their reason in
# docs/scaling.md ("Queries that go to every shard").
def _statements(dsn: str, schema: str) -> dict[str, tuple[sql.Composable, str]]:
    queries = PostgresQueries(dsn, schema)
    accounts = PostgresAccountStore(dsn, schema)
    friends = PostgresFriendQueries(async_pool(dsn), schema)
    view = PostgresChatView.from_dsn(dsn, schema)
    batch = view._statements
    changes = view._changes
    tracking = TrackingStatements(schema)
    unread = PostgresUnreadCounter.from_dsn(dsn, schema)
    return {
        # The read API (edge).
        "history, newest first": (queries._page_descending, "router"),
        "history after a seq (sync)": (queries._page_ascending, "router"),
        "one conversation": (queries._conversation, "router"),
        "changed messages (sync)": (queries._changed, "router"),
        "is member": (queries._is_member, "router"),
        "roles": (queries._roles, "router"),
        "receipts": (queries._receipts, "router"),
        "inbox page (ids)": (queries._inbox_page, "router"),
        "inbox conversations by id": (queries._inbox, "pruned"),
        "message search": (PostgresSearch(dsn, schema)._search, "multi-shard"),
        "session by token": (accounts._sql_session, "router"),
        "add session": (accounts._sql_add_session, "router"),
        "user by handle": (accounts._sql_user_by_handle, "router"),
        "user by id": (accounts._sql_user_by_id, "router"),
        "friends": (friends._sql["friends"], "router"),
        "blocks": (friends._sql["blocks"], "router"),
        "requests received": (friends._sql["incoming"], "router"),
        "requests sent": (friends._sql["outgoing"], "multi-shard"),
        "relation of a pair": (friends._sql["relation"], "pruned"),
        "blocked between a pair": (friends._sql["blocked_between"], "pruned"),
        "blockers among members": (friends._sql["blockers_of"], "pruned"),
        "directory search": (friends._sql["search"], "multi-shard"),
        # The projector's transaction.
        "lock the position": (batch.lock_position, "router"),
        "advance the position": (batch.advance, "router"),
        "tracking": (tracking._advance, "router"),
        "post messages": (batch.post_many, "pruned"),
        "inbox rows of members": (batch.sync_inbox, "pruned"),
        "drop an inbox row": (batch.drop_from_inbox, "router"),
        "move watermarks": (batch.move_many, "pruned"),
        "start a conversation": (view._start, "router"),
        "members of a conversation": (view._members_of, "router"),
        "add members": (view._add_members, "router"),
        "remove a member": (view._remove_member, "router"),
        "rename": (view._rename, "router"),
        "per member objects": (view._per_member, "router"),
        "edit": (changes.edit, "router"),
        "delete": (changes.delete, "router"),
        "add a reaction": (changes.add_reaction, "router"),
        "remove a reaction": (changes.remove_reaction, "router"),
        "reply": (changes.reply, "router"),
        "one message": (changes.one_message, "router"),
        "hold a conversation": (view._holds.hold, "router"),
        # The notifier's badge; off the hot path: contacts (per user, over
        # conversation shards), the projector's start.
        "unread badge: conversations": (unread._conversations, "router"),
        "unread badge: count": (unread._sql, "pruned"),
        "contacts": (PostgresContactDirectory(dsn, schema)._contacts, "multi-shard"),
        "held conversations": (view._holds.held, "multi-shard"),
        # Off the hot path and cross-shard: friends of friends walk two
        # users' adjacency (docs/scaling.md says what it takes on Citus).
        "friend suggestions": (friends._sql["suggestions"], "cross-shard"),
    }


def test_each_hot_path_statement_runs_as_declared_on_a_citus_cluster(
    connection: psycopg.Connection[tuple[object, ...]], schema: str, postgres_dsn: str
) -> None:
    columns = _columns(connection, schema)
    statements = _statements(postgres_dsn, schema)
    found = {
        name: verdict(statement.as_string(connection), PLACEMENTS, columns)
        for name, (statement, _) in statements.items()
    }
    declared = {name: expected for name, (_, expected) in statements.items()}
    assert found == declared
