"""The presence projector: chat.presence -> presence view -> one push per contact."""

from __future__ import annotations

import logging
import threading

from commands.liveness import Liveness
from domain.presence import MalformedPresence, decode_presence
from domain.records import LogRecord
from projections.frames import presence_frame
from projections.ports import ContactDirectory, EventFeed, Fanout, PresenceView, Push

log = logging.getLogger(__name__)


class PresenceProjector:
    def __init__(self, view: PresenceView, contacts: ContactDirectory, fanout: Fanout) -> None:
        self._view = view
        self._contacts = contacts
        self._fanout = fanout
        self.liveness = Liveness("presence projector")

    def start_offset(self, partition: int) -> int:
        return self._view.start_offset(partition)

    def run(self, feed: EventFeed, stop: threading.Event, poll_timeout: float = 0.2) -> None:
        while not stop.is_set():
            self.step(feed, poll_timeout)

    def step(self, feed: EventFeed, poll_timeout: float) -> int:
        records = feed.poll(poll_timeout)
        if not records:
            self.liveness.between_batches(feed.backlog())
            return 0
        for record in records:
            self.project(record)
        self.liveness.progressed()
        return len(records)

    def project(self, record: LogRecord) -> None:
        try:
            change = decode_presence(record.value)
        except MalformedPresence as error:
            log.warning("skipped a malformed presence record: %s", error)
            return
        if not self._view.apply(change, record.partition, record.offset):
            return  # already applied, or older than what the view has
        contacts = tuple(self._contacts.contacts(change.user_id))
        if contacts:
            self._fanout.publish(Push(contacts, presence_frame(change)))
