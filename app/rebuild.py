"""Rebuild the chat read models from the events topic, and compare two sets
of read models row by row (DESIGN.md §5: a projection rebuilt from offset 0
reaches the same state).

``rebuild_view`` projects every committed event into a fresh schema through
the same ChatProjection and tracking names as the projector, publishing
nothing. ``compare_read_models`` then tells whether the live schema holds
what the log says it should.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from eventsourcing.persistence import Tracking
from psycopg import sql

from app.codecs import event_codec
from app.settings import Settings
from commands.ports import LogUnavailable
from domain.codec import UnknownEventType
from infra.kafka.partition_reader import read_committed_partitions
from infra.kafka.records import client_config
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.schema import create_schema
from projections.chat_projection import ChatProjection
from projections.ports import Push
from projections.projector import tracking_name

log = logging.getLogger(__name__)

MAX_DIFFERENCES = 100
"""compare_read_models lists at most this many differences, then a count."""


class RebuildError(Exception):
    """The target schema is not fresh: it holds tracking positions already."""


class _NoFanout:
    """A rebuild tells no client anything."""

    def publish(self, push: Push) -> None:
        return None


def rebuild_view(settings: Settings, target_schema: str) -> int:
    """Projects every committed record of ``settings.events_topic``, from
    offset 0 on every partition, into ``target_schema`` (created here; it must
    not hold any position of this topic yet). Records of unknown event types
    are skipped, as the projector does. Returns the number of events applied.
    """
    topic = settings.events_topic
    partitions = topic_partitions(settings.kafka_bootstrap, topic, settings.kafka_client_config)
    create_schema(settings.postgres_dsn, target_schema)
    view = PostgresChatView.from_dsn(settings.postgres_dsn, target_schema)
    try:
        _require_fresh(view, target_schema, [tracking_name(topic, p) for p in partitions])
        projection = ChatProjection(view, _NoFanout())
        codec = event_codec(settings)
        applied = 0
        for record in read_committed_partitions(
            settings.kafka_bootstrap, topic, partitions, extra=settings.kafka_client_config
        ):
            tracking = Tracking(tracking_name(topic, record.partition), record.offset)
            try:
                event = codec.decode(record.value, record.headers)
            except UnknownEventType as error:
                log.warning("rebuild skipped unknown event type %s at %s", error, tracking)
                view.skip(tracking)
                continue
            projection.process_event(event, tracking)
            applied += 1
        return applied
    finally:
        view.close()


def topic_partitions(
    bootstrap: str, topic: str, extra: Mapping[str, str] | None = None, timeout: float = 10.0
) -> list[int]:
    """The partition numbers of ``topic``, from the broker's metadata."""
    admin = AdminClient(client_config(bootstrap, extra))
    try:
        metadata = admin.list_topics(topic, timeout=timeout)
    except KafkaException as error:
        raise LogUnavailable(f"no metadata for {topic}: {error}") from error
    found = metadata.topics.get(topic)
    if found is None or found.error is not None or not found.partitions:
        reason = found.error if found is not None else "unknown topic"
        raise LogUnavailable(f"topic {topic} is not available: {reason}")
    return sorted(found.partitions)


def _require_fresh(view: PostgresChatView, schema: str, names: Sequence[str]) -> None:
    used = [name for name in names if view.max_tracking_id(name) is not None]
    if used:
        raise RebuildError(f"schema {schema} already holds positions of {', '.join(used)}")


# -- comparison -----------------------------------------------------------------


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
        ("conversation_id", "kind", "title", "started_by", "created_at", "last_seq", "updated_at"),
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
        ),
        (True, False),
    ),
)

Row = tuple[Any, ...]


def compare_read_models(
    dsn: str, live_schema: str, rebuilt_schema: str, max_differences: int = MAX_DIFFERENCES
) -> list[str]:
    """Row-by-row differences of conversations, members and messages
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
