"""``chatapp replay``: the log read as an outsider (infra.kafka.log_reader:
no consumer group joined, no offset moved), every event decoded
(deciphered when CHAT_EVENT_CIPHER_KEY is set) and upcast to its current
version, written as rows (infra.files) of JSON Lines, CSV or Parquet.
A progress bar (events, rate, ETA) on a terminal; a summary at the end."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tqdm import tqdm

from app.codecs import event_codec
from app.replay_input import BadInput, TimeRange
from app.settings import Settings
from domain.codec import EVENT_CLASSES, EventCodec, UnknownEventType
from domain.event_fields import event_data, field_types
from domain.presence import MalformedPresence, PresenceChanged, decode_presence
from infra.files.rows import FieldTypes, Row
from infra.files.sinks import RowSink
from infra.kafka.log_reader import LoggedRecord, LogReader, Span

PRESENCE_TYPE = "PresenceChanged"


def schemas() -> dict[str, FieldTypes]:
    """The fields of every event type, for the formats with a column per field."""
    found: dict[str, FieldTypes] = {name: field_types(cls) for name, cls in EVENT_CLASSES.items()}
    found[PRESENCE_TYPE] = {k: v for k, v in field_types(PresenceChanged).items() if k != "at"}
    return found


@dataclass
class Summary:
    by_type: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return sum(self.by_type.values())

    def lines(self) -> list[str]:
        rate = self.events / self.seconds if self.seconds > 0 else 0.0
        lines = [f"replayed {self.events} events in {self.seconds:.2f} s ({rate:,.0f} events/s)"]
        lines += [f"  {name}: {count}" for name, count in sorted(self.by_type.items())]
        lines += [f"  skipped ({why}): {count}" for why, count in sorted(self.skipped.items())]
        return lines


class Decoder:
    """Log records -> rows; ``BadInput`` for a record that cannot be read at
    all (a wrong cipher key), never a traceback."""

    def __init__(self, codec: EventCodec, events_topic: str, summary: Summary) -> None:
        self._codec = codec
        self._events_topic = events_topic
        self._summary = summary

    def row(self, logged: LoggedRecord) -> Row | None:
        record = logged.record
        common: dict[str, Any] = {
            "topic": logged.topic,
            "partition": record.partition,
            "offset": record.offset,
            "logged_at": datetime.fromtimestamp(logged.timestamp_ms / 1000, UTC),
            "key": record.key,
            "schema_version": _int(record.headers.get("schema_version")) or 1,
        }
        if logged.topic == self._events_topic:
            return self._event_row(logged, common)
        return self._presence_row(record.value, common)

    def _event_row(self, logged: LoggedRecord, common: dict[str, Any]) -> Row | None:
        record = logged.record
        try:
            event = self._codec.decode(record.value, record.headers)
        except UnknownEventType as error:
            self._summary.skipped[f"unknown type {error}"] += 1
            return None
        except Exception as error:  # a damaged record, or the wrong key
            where = f"{logged.topic}[{record.partition}] offset {record.offset}"
            raise BadInput(
                f"cannot decode the record at {where} ({type(error).__name__}): is "
                "CHAT_EVENT_CIPHER_KEY the key the log was written with?"
            ) from None
        common["type"] = record.headers.get("event_type", type(event).__name__)
        common["version"] = _int(record.headers.get("aggregate_version"))
        common["at"] = event.timestamp
        return Row(common, event_data(event))

    def _presence_row(self, value: bytes, common: dict[str, Any]) -> Row | None:
        try:
            change = decode_presence(value)
        except MalformedPresence:
            self._summary.skipped["malformed presence"] += 1
            return None
        common.update(type=PRESENCE_TYPE, version=None, at=change.moment)
        return Row(common, {"user_id": change.user_id, "status": change.status})


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def topics_of(settings: Settings, names: Iterable[str]) -> list[str]:
    known = {"events": settings.events_topic, "presence": settings.presence_topic}
    chosen = []
    for name in names:
        if name not in known:
            raise BadInput(f"unknown topic {name!r}: use events, presence or both")
        chosen.append(known[name])
    return chosen


def replay(
    settings: Settings,
    topics: list[str],
    when: TimeRange,
    sink: RowSink,
    stop: threading.Event | None = None,
    progress: bool | None = None,
) -> Summary:
    """Writes every event of ``topics`` in ``when`` to ``sink``; returns the summary."""
    summary = Summary()
    decoder = Decoder(event_codec(settings), settings.events_topic, summary)
    started = time.monotonic()
    with LogReader(settings.kafka) as reader:
        spans = [
            span
            for topic in topics
            for span in reader.spans(topic, when.since, when.until, when.follow)
        ]
        bar = _bar(spans, when.follow, progress)
        try:
            for logged in reader.read(spans, stop):
                row = decoder.row(logged)
                bar.update(1)
                if row is not None:
                    sink.write(row)
                    summary.by_type[row.type] += 1
        finally:
            bar.close()
    summary.seconds = time.monotonic() - started
    return summary


def _bar(spans: list[Span], follow: bool, progress: bool | None) -> tqdm[Any]:
    show = sys.stderr.isatty() if progress is None else progress
    total = None if follow else sum(span.size for span in spans)
    return tqdm(
        total=total, unit=" events", unit_scale=True, file=sys.stderr, disable=not show, leave=False
    )
