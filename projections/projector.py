"""The projector loop: event feed -> projection (view + tracking) -> fan-out."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence

from eventsourcing.persistence import Tracking

from commands.liveness import Liveness
from domain.codec import EventCodec, UnknownEventType
from domain.records import LogRecord
from projections.chat_projection import ChatProjection
from projections.ports import AlreadyProjected, ChatView, EventFeed, Fanout, Push

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
    ) -> None:
        self._view = view
        self._codec = codec
        self._topic = topic
        self._pushes = AfterCommit(fanout)
        self._projection = ChatProjection(view, self._pushes)
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
        """Where the feed starts a newly assigned partition."""
        name = tracking_name(self._topic, partition)
        self._view.forget(name)
        done = self._view.max_tracking_id(name)
        return 0 if done is None else done + 1

    def _project(self, record: LogRecord) -> None:
        tracking = Tracking(tracking_name(self._topic, record.partition), record.offset)
        try:
            event = self._codec.decode(record.value, record.headers)
        except UnknownEventType as error:
            log.warning("skipped unknown event type %s at %s", error, tracking)
            self._skip(tracking)
            return
        # Delivered again after a restart or rebalance: it was applied once already.
        with contextlib.suppress(AlreadyProjected):
            self._projection.process_event(event, tracking)

    def _skip(self, tracking: Tracking) -> None:
        with contextlib.suppress(AlreadyProjected):
            self._view.skip(tracking)
