"""The projector loop: event feed -> projection (view + tracking) -> fan-out.

A record that cannot be decoded or applied is parked: copied to the
dead-letter topic with the error, its position recorded with a hold on its
conversation, whose later events are parked too (never applied after a
gap); other conversations go on. A batch that fails is projected again one
record per transaction, to find the record to blame; a store that cannot be
reached (ViewUnavailable) blames none and stops the projector."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from eventsourcing.persistence import Tracking

from commands.liveness import Liveness
from domain.codec import EventCodec, UnknownEventType
from domain.records import EVENTS_LOG, LogRecord, parked_record
from projections.chat_projection import ChatProjection
from projections.ports import (
    AlreadyProjected,
    ChatView,
    DeadLetters,
    EventFeed,
    Fanout,
    Push,
    ViewUnavailable,
)

HELD_REASON = "held: an earlier event of this conversation is parked"


class CannotDecipher(Exception):
    """An encrypted event did not decode: the projector stops."""


STOPS = (ViewUnavailable, CannotDecipher)
"""Failures no record is to blame for."""
ENCRYPTED = "aes"
"""In ``content_encoding``: a record that does not decode then most likely
met a wrong key (the cipher authenticates), which no record is to blame for."""

log = logging.getLogger(__name__)


def tracking_name(topic: str, partition: int) -> str:
    return f"{topic}.p{partition}"


class AfterCommit:
    """A fan-out that holds pushes until the batch that made them committed."""

    def __init__(self, fanout: Fanout) -> None:
        self._fanout = fanout
        self._held: list[Push] = []

    def publish(self, push: Push) -> None:
        self._held.append(push)

    def publish_all(self, pushes: Sequence[Push]) -> None:
        self._held.extend(pushes)

    def release(self) -> None:
        held, self._held = self._held, []
        if held:
            self._fanout.publish_all(held)

    def drop(self) -> None:
        self._held = []


class Projector:
    def __init__(
        self,
        view: ChatView,
        fanout: Fanout,
        codec: EventCodec,
        topic: str,
        dead_letters: DeadLetters,
        on_parked: Callable[[], None] = lambda: None,
    ) -> None:
        self._view = view
        self._codec = codec
        self._topic = topic
        self._dead_letters = dead_letters
        self._on_parked = on_parked
        self._pushes = AfterCommit(fanout)
        self._projection = ChatProjection(view, self._pushes)
        self._held: set[str] | None = None
        self._holding: set[str] = set()
        """Held by the batch going on; held for good once it commits."""
        self.liveness = Liveness("projector")

    def run(self, feed: EventFeed, stop: threading.Event, poll_timeout: float = 0.2) -> None:
        while not stop.is_set():
            self.step(feed, poll_timeout)

    def step(self, feed: EventFeed, poll_timeout: float) -> int:
        """One poll's records, in one view transaction; then their pushes."""
        records = feed.poll(poll_timeout)
        if not records:
            self.liveness.between_batches(feed.backlog())
            return 0
        self._held_conversations()  # loaded before the batch (again only after a takeover)
        try:
            self._project_together(records)
        except STOPS:
            raise
        except Exception as error:
            log.warning("a batch of %d failed (%r): one by one now", len(records), error)
            for record in records:
                self._project_alone(record)
        self.liveness.progressed()
        return len(records)

    def _project_together(self, records: Sequence[LogRecord]) -> None:
        try:
            with self._view.batch():
                for record in records:
                    self._project(record)
        except BaseException:
            self._pushes.drop()
            self._holding.clear()
            raise
        self._pushes.release()
        self._held_conversations().update(self._holding)
        self._holding.clear()

    def _project_alone(self, record: LogRecord) -> None:
        try:
            self._project_together([record])
        except STOPS:
            raise
        except Exception as error:
            self._park(record, f"cannot apply: {error!r}")  # a transaction of its own
            self._held_conversations().update(self._holding)
            self._holding.clear()

    def start_offset(self, partition: int) -> int:
        """Where the feed starts a newly assigned partition."""
        name = tracking_name(self._topic, partition)
        self._view.forget(name)
        self._held = None  # read again: another projector may have held some
        done = self._view.max_tracking_id(name)
        return 0 if done is None else done + 1

    def _project(self, record: LogRecord) -> None:
        tracking = Tracking(tracking_name(self._topic, record.partition), record.offset)
        if record.key in self._held_conversations() or record.key in self._holding:
            self._park(record, HELD_REASON)
            return
        try:
            event = self._codec.decode(record.value, record.headers)
        except UnknownEventType as error:
            log.warning("skipped unknown event type %s at %s", error, tracking)
            self._skip(tracking)
            return
        except Exception as error:
            if ENCRYPTED in record.headers.get("content_encoding", ""):
                # A wrong key, not a bad record: stop rather than park them all.
                raise CannotDecipher(f"{tracking}: {error!r}") from error
            self._park(record, f"cannot decode: {error!r}")
            return
        try:
            self._projection.process_event(event, tracking)
        except AlreadyProjected:
            # Delivered again after a restart or rebalance: applied once already.
            self._written_by_another()

    def _skip(self, tracking: Tracking) -> None:
        try:
            self._view.skip(tracking)
        except AlreadyProjected:
            self._written_by_another()

    def _written_by_another(self) -> None:
        """A record this projector meets already written: the previous owner
        of the partition got there first, and may have held its conversation
        in the same commit, after this projector read the holds. The view's
        position lock waited for that commit: read the holds again."""
        self._held = None

    def _held_conversations(self) -> set[str]:
        if self._held is None:
            self._held = self._view.held_conversations()
        return self._held

    def _park(self, record: LogRecord, reason: str) -> None:
        """The copy first (durable), then the position and the hold; a
        crash between the two parks it again (the copy says its offset)."""
        tracking = Tracking(tracking_name(self._topic, record.partition), record.offset)
        self._dead_letters.park(parked_record(record, EVENTS_LOG, reason))
        try:
            self._view.hold(record.key, reason, tracking)
        except AlreadyProjected:
            self._written_by_another()
            return
        self._holding.add(record.key)
        self._on_parked()
        log.error("parked %s (conversation %s): %s", tracking, record.key, reason)
