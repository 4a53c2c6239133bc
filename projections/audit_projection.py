"""The audit projection: chat.events -> the audit trail (every event of
every conversation, its fields as written and its hash-chain link) and the
auditors' read model. Its own consumer group and tracking, so it never
holds up the chat projector."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from typing import Any

from eventsourcing.persistence import Tracking

from commands.liveness import Liveness
from domain.auditor import AuditorGranted, AuditorRevoked, is_auditor_event
from domain.codec import EventCodec, UnknownEventType
from domain.conversation import is_conversation_event
from domain.hashchain import chain_payload, chain_type
from domain.records import LogRecord
from domain.rejection import CommandRejected
from projections.audit_ports import AuditEntry, AuditView
from projections.ports import AlreadyProjected, EventFeed
from projections.projector import tracking_name

log = logging.getLogger(__name__)


def audit_entry(record: LogRecord, stored: dict[str, Any], at: Any) -> AuditEntry:
    headers = record.headers
    version = int(headers.get("aggregate_version") or 0)
    event_type = headers.get("event_type", "")
    fields = chain_payload(chain_type(event_type), record.key, version, stored)["fields"]
    return AuditEntry(
        conversation_id=record.key,
        position=record.offset,
        type=event_type,
        schema_version=int(headers.get("schema_version") or 1),
        version=version,
        at=at,
        data=fields,
        prev_hash=stored.get("prev_hash"),
        hash=stored.get("hash"),
    )


class AuditProjector:
    def __init__(self, view: AuditView, codec: EventCodec, topic: str) -> None:
        self._view = view
        self._codec = codec
        self._topic = topic
        self.liveness = Liveness("audit projector")

    def start_offset(self, partition: int) -> int:
        done = self._view.max_tracking_id(tracking_name(self._topic, partition))
        return 0 if done is None else done + 1

    def run(self, feed: EventFeed, stop: threading.Event, poll_timeout: float = 0.2) -> None:
        while not stop.is_set():
            self.step(feed, poll_timeout)

    def step(self, feed: EventFeed, poll_timeout: float) -> int:
        records = feed.poll(poll_timeout)
        if not records:
            self.liveness.between_batches(feed.backlog())
            return 0
        with self._view.batch():
            for record in records:
                with contextlib.suppress(AlreadyProjected):
                    self._project(record)
        self.liveness.progressed()
        return len(records)

    def _project(self, record: LogRecord) -> None:
        tracking = Tracking(tracking_name(self._topic, record.partition), record.offset)
        try:
            event = self._codec.decode(record.value, record.headers)
        except UnknownEventType as error:
            log.warning("audit projection skipped unknown event type %s at %s", error, tracking)
            self._view.skip(tracking)
            return
        if isinstance(event, AuditorGranted):
            self._view.auditor_granted(event.user_id, event.timestamp, tracking)
        elif isinstance(event, AuditorRevoked):
            self._view.auditor_revoked(event.user_id, tracking)
        elif is_auditor_event(event):
            self._view.skip(tracking)  # an AuditRead: on the log, for replays
        elif is_conversation_event(event) or isinstance(event, CommandRejected):
            stored = json.loads(self._codec.plaintext(record.value))
            self._view.record(audit_entry(record, stored, event.timestamp), tracking)
        else:
            self._view.skip(tracking)
