"""Compare two sets of chat read models row by row (DESIGN.md §5: a
projection rebuilt from offset 0 reaches the same state)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

MAX_DIFFERENCES = 100
"""compare_read_models lists at most this many differences, then a count."""

Row = tuple[Any, ...]


@dataclass(frozen=True)
class _Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]  # the key first
    text_key: tuple[bool, ...]  # which key columns are text (ordered by bytes)

    def select(self, schema: str) -> sql.Composed:
        order = sql.SQL(", ").join(
            sql.SQL('{} COLLATE "C"').format(sql.Identifier(column))
            if is_text
            else sql.Identifier(column)
            for column, is_text in zip(self.key, self.text_key, strict=True)
        )
        return sql.SQL("SELECT {} FROM {}.{} ORDER BY {}").format(
            sql.SQL(", ").join(sql.Identifier(column) for column in self.columns),
            sql.Identifier(schema),
            sql.Identifier(self.name),
            order,
        )


_TABLES = (
    _Table(
        "conversations",
        ("conversation_id",),
        (
            "conversation_id",
            "kind",
            "title",
            "started_by",
            "created_at",
            "last_seq",
            "updated_at",
            "last_change_seq",
        ),
        (True,),
    ),
    _Table(
        "members",
        ("conversation_id", "user_id"),
        ("conversation_id", "user_id", "role", "delivered_seq", "read_seq"),
        (True, True),
    ),
    _Table(
        "messages",
        ("conversation_id", "seq"),
        (
            "conversation_id",
            "seq",
            "message_id",
            "sender_id",
            "body",
            "client_msg_id",
            "sent_at",
            "reply_to",
            "edited_at",
            "deleted_at",
            "change_seq",
            "search",
            "attachments",
        ),
        (True, False),
    ),
    _Table(
        "reactions",
        ("conversation_id", "seq", "emoji", "user_id"),
        ("conversation_id", "seq", "emoji", "user_id", "change_seq"),
        (True, False, True, True),
    ),
    _Table(
        "inbox",
        ("user_id", "conversation_id"),
        ("user_id", "conversation_id", "updated_at"),
        (True, True),
    ),
)


def compare_read_models(
    dsn: str, live_schema: str, rebuilt_schema: str, max_differences: int = MAX_DIFFERENCES
) -> list[str]:
    """Row-by-row differences of conversations, members, messages (with the
    search column: the index of search) and reactions
    (the tracking table is not compared), in primary-key order; empty when
    the two schemas hold the same rows. Streams both sides, so any size fits
    in memory. Lists at most ``max_differences``, then how many more there were.
    Meaningful once the live projection has reached the positions the rebuild
    read to (rows the live side applied later show up as differences).
    """
    differences: list[str] = []
    more = 0
    with (
        psycopg.connect(dsn) as live,
        psycopg.connect(dsn) as rebuilt,
    ):
        for table in _TABLES:
            live_rows = _stream(live, table, live_schema)
            rebuilt_rows = _stream(rebuilt, table, rebuilt_schema)
            for difference in _differences(table, live_rows, rebuilt_rows):
                if len(differences) < max_differences:
                    differences.append(difference)
                else:
                    more += 1
    if more:
        differences.append(f"... and {more} more differences")
    return differences


def _stream(conn: psycopg.Connection[Any], table: _Table, schema: str) -> Iterator[Row]:
    """The table's rows in key order, through a server-side cursor."""
    with conn.cursor(name=f"compare_{table.name}") as cursor:
        cursor.itersize = 2000
        cursor.execute(table.select(schema))
        for row in cursor:
            yield tuple(row)


def _differences(table: _Table, live: Iterator[Row], rebuilt: Iterator[Row]) -> Iterator[str]:
    """A merge join of two key-ordered row streams."""
    width = len(table.key)
    live_row, rebuilt_row = next(live, None), next(rebuilt, None)
    while live_row is not None or rebuilt_row is not None:
        live_key = live_row[:width] if live_row is not None else None
        rebuilt_key = rebuilt_row[:width] if rebuilt_row is not None else None
        if rebuilt_key is None or (live_key is not None and live_key < rebuilt_key):
            yield f"{table.name} {_key(table, live_key)}: only in the live schema"
            live_row = next(live, None)
        elif live_key is None or rebuilt_key < live_key:
            yield f"{table.name} {_key(table, rebuilt_key)}: only in the rebuilt schema"
            rebuilt_row = next(rebuilt, None)
        else:
            assert live_row is not None and rebuilt_row is not None
            yield from _column_differences(table, live_row, rebuilt_row)
            live_row, rebuilt_row = next(live, None), next(rebuilt, None)


def _column_differences(table: _Table, live_row: Row, rebuilt_row: Row) -> Iterator[str]:
    key = _key(table, live_row[: len(table.key)])
    for column, live_value, rebuilt_value in itertools.islice(
        zip(table.columns, live_row, rebuilt_row, strict=True), len(table.key), None
    ):
        if live_value != rebuilt_value:
            yield f"{table.name} {key}: {column} is {live_value!r} live, {rebuilt_value!r} rebuilt"


def _key(table: _Table, values: Row | None) -> str:
    pairs = zip(table.key, values or (), strict=True)
    return "(" + ", ".join(f"{column}={value!r}" for column, value in pairs) + ")"


@dataclass(frozen=True)
class TableSummary:
    """A table's row count and an order-independent checksum of its compared
    columns (the sum of a 60-bit slice of each row's md5)."""

    rows: int
    checksum: str


def table_summaries(dsn: str, schema: str) -> dict[str, TableSummary]:
    """Per compared table of ``schema``: its rows and checksum."""
    found = {}
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        for table in _TABLES:
            row = conn.execute(_summary(table, schema)).fetchone()
            assert row is not None
            found[table.name] = TableSummary(int(row[0]), f"{int(row[1]):x}")
    return found


def _summary(table: _Table, schema: str) -> sql.Composed:
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in table.columns)
    return sql.SQL(
        "SELECT count(*), coalesce(sum(('x' || left(md5(ROW({})::text), 15))::bit(60)::bigint), 0)"
        " FROM {}.{}"
    ).format(columns, sql.Identifier(schema), sql.Identifier(table.name))
