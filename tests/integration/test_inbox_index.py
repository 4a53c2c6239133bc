"""The PostgreSQL inbox index (infra.postgres.inbox): the chat projection
keeps it equal to members joined with their conversation's update time,
and create_schema fills it in a schema made before it existed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from infra.postgres.chat_view import PostgresChatView
from infra.postgres.schema import create_schema
from tests.contract.read_model_fixtures import Backend, Feed, ReadModels, inbox, open_backend

_INBOX = "SELECT user_id, conversation_id, updated_at FROM {s}.inbox ORDER BY 1, 2"
_EXPECTED = """
SELECT m.user_id, m.conversation_id, c.updated_at
FROM {s}.members m JOIN {s}.conversations c USING (conversation_id) ORDER BY 1, 2
"""


@pytest.fixture
def backend(postgres_dsn: str) -> Iterator[Backend]:
    yield from open_backend("postgres", postgres_dsn)


@pytest.fixture
def models(backend: Backend) -> ReadModels:
    return backend.read_models()


def _rows(dsn: str, text: str, schema: str) -> list[tuple[Any, ...]]:
    query = sql.SQL(text).format(s=sql.Identifier(schema))
    with psycopg.connect(dsn) as conn:
        return conn.execute(query).fetchall()


def _schema(models: ReadModels) -> str:
    assert isinstance(models.view, PostgresChatView)
    return models.view.schema


def test_the_inbox_index_mirrors_members_through_starts_posts_adds_renames_and_removals(
    models: ReadModels, postgres_dsn: str
) -> None:
    feed = Feed(models.view)
    group = feed.group("ann", ["bob", "cat"])
    direct = feed.direct("bob", "dan")
    feed.post(group, "ann", minutes=3)
    feed.add(group, "ann", ["eve"], minutes=4)
    feed.rename(group, "ann", "Renamed", minutes=5)
    feed.remove(group, "ann", "bob", minutes=6)
    feed.leave(group, "cat", minutes=7)
    feed.post(direct, "dan", minutes=8)
    schema = _schema(models)
    expected = _rows(postgres_dsn, _EXPECTED, schema)
    assert len(expected) == 4  # ann and eve in the group, bob and dan in the direct chat
    assert _rows(postgres_dsn, _INBOX, schema) == expected


def test_create_schema_fills_the_inbox_of_a_schema_made_before_it(
    models: ReadModels, postgres_dsn: str
) -> None:
    feed = Feed(models.view)
    group = feed.group("ann", ["bob"])
    feed.post(group, "bob", minutes=3)
    schema = _schema(models)
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE {}.inbox").format(sql.Identifier(schema)))
    create_schema(postgres_dsn, schema)
    assert _rows(postgres_dsn, _INBOX, schema) == _rows(postgres_dsn, _EXPECTED, schema)
    assert [c["conversation_id"] for c in inbox(models, "bob")] == [str(group.id)]
