"""Rebuild the chat read models from the events topic into a fresh schema
(DESIGN.md §5), through the same ChatProjection and tracking names as the
projector, publishing nothing. ``infra.postgres.compare`` then tells whether
the live schema holds what the log says it should."""

from __future__ import annotations

import itertools
import logging
import sys
from collections.abc import Sequence

from eventsourcing.persistence import Tracking
from tqdm import tqdm

from app.codecs import event_codec
from app.settings import Settings
from domain.codec import EventCodec, UnknownEventType
from domain.records import LogRecord
from infra.kafka.log_reader import LogReader
from infra.kafka.partition_reader import read_committed_partitions
from infra.kafka.topics import topic_partitions
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.schema import create_schema
from projections.chat_projection import ChatProjection
from projections.ports import Push
from projections.projector import tracking_name

log = logging.getLogger(__name__)
BATCH = 500
"""Records projected in one transaction."""


class RebuildError(Exception):
    """The target schema is not fresh: it holds tracking positions already."""


class _NoFanout:
    """A rebuild tells no client anything."""

    def publish(self, push: Push) -> None:
        return None

    def publish_all(self, pushes: Sequence[Push]) -> None:
        for push in pushes:
            self.publish(push)


def rebuild_view(settings: Settings, target_schema: str, progress: bool | None = None) -> int:
    """Projects every committed record of ``settings.events_topic``, from
    offset 0 on every partition, into ``target_schema`` (created here; it must
    not hold any position of this topic yet). Records of unknown event types
    are skipped, as the projector does. Returns the number of events applied.
    """
    topic = settings.events_topic
    partitions = topic_partitions(settings.kafka, topic)
    create_schema(settings.postgres_dsn, target_schema, settings.search_language)
    view = PostgresChatView.from_dsn(settings.postgres_dsn, target_schema)
    try:
        _require_fresh(view, target_schema, [tracking_name(topic, p) for p in partitions])
        projection = ChatProjection(view, _NoFanout())
        codec = event_codec(settings)
        applied = 0
        bar = _bar(settings, topic, partitions, progress)
        records = read_committed_partitions(settings.kafka, topic, partitions)
        while batch := list(itertools.islice(records, BATCH)):
            with view.batch():  # one transaction per batch, as the projector does
                for record in batch:
                    applied += _apply(codec, projection, view, topic, record)
            bar.update(len(batch))
        bar.close()
        return applied
    finally:
        view.close()


def _apply(
    codec: EventCodec,
    projection: ChatProjection,
    view: PostgresChatView,
    topic: str,
    record: LogRecord,
) -> int:
    tracking = Tracking(tracking_name(topic, record.partition), record.offset)
    try:
        event = codec.decode(record.value, record.headers)
    except UnknownEventType as error:
        log.warning("rebuild skipped unknown event type %s at %s", error, tracking)
        view.skip(tracking)
        return 0
    projection.process_event(event, tracking)
    return 1


def _bar(
    settings: Settings, topic: str, partitions: Sequence[int], progress: bool | None
) -> tqdm[None]:
    show = sys.stderr.isatty() if progress is None else progress
    total = None
    if show:
        with LogReader(settings.kafka) as reader:
            total = sum(span.size for span in reader.spans(topic, partitions=partitions))
    return tqdm(total=total, unit=" events", unit_scale=True, file=sys.stderr, disable=not show)


def _require_fresh(view: PostgresChatView, schema: str, names: Sequence[str]) -> None:
    used = [name for name in names if view.max_tracking_id(name) is not None]
    if used:
        raise RebuildError(f"schema {schema} already holds positions of {', '.join(used)}")
