"""The friends projector (``chatapp friends``): chat.events -> the friends
view with its own tracking (consumer group ``<prefix>-friends``), then the
``friend`` pushes of each poll once its transaction committed. Records of
event types it has no use for are skipped by their header, undecoded."""

from __future__ import annotations

import contextlib
import logging
import threading

from eventsourcing.persistence import Tracking

from commands.liveness import Liveness
from domain.codec import EventCodec, UnknownEventType
from domain.records import LogRecord
from domain.relationship_events import RELATIONSHIP_EVENTS
from projections.friends_ports import FriendsView
from projections.friends_projection import FriendsProjection
from projections.ports import AlreadyProjected, EventFeed, Fanout
from projections.projector import AfterCommit, tracking_name

log = logging.getLogger(__name__)

USED_EVENT_TYPES = frozenset(
    {"ConversationStarted", "MessagePosted", *(event.__name__ for event in RELATIONSHIP_EVENTS)}
)


class FriendsProjector:
    def __init__(self, view: FriendsView, fanout: Fanout, codec: EventCodec, topic: str) -> None:
        self._view = view
        self._codec = codec
        self._topic = topic
        self._pushes = AfterCommit(fanout)
        self._projection = FriendsProjection(view, self._pushes)
        self.liveness = Liveness("friends projector")

    def run(self, feed: EventFeed, stop: threading.Event, poll_timeout: float = 0.2) -> None:
        while not stop.is_set():
            self.step(feed, poll_timeout)

    def step(self, feed: EventFeed, poll_timeout: float) -> int:
        """One poll's records in one view transaction; then their pushes."""
        records = feed.poll(poll_timeout)
        if not records:
            self.liveness.between_batches(feed.backlog())
            return 0
        try:
            with self._view.batch():
                for record in records:
                    self._project(record)
        except BaseException:
            self._pushes.drop()
            raise
        self._pushes.release()
        self.liveness.progressed()
        return len(records)

    def start_offset(self, partition: int) -> int:
        done = self._view.max_tracking_id(tracking_name(self._topic, partition))
        return 0 if done is None else done + 1

    def _project(self, record: LogRecord) -> None:
        tracking = Tracking(tracking_name(self._topic, record.partition), record.offset)
        with contextlib.suppress(AlreadyProjected):
            if record.headers.get("event_type") not in USED_EVENT_TYPES:
                self._view.skip(tracking)
                return
            try:
                event = self._codec.decode(record.value, record.headers)
            except UnknownEventType as error:
                log.warning("friends projector skipped unknown event type %s", error)
                self._view.skip(tracking)
                return
            self._projection.process_event(event, tracking)
