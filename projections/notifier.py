"""The notifier (DESIGN.md §8): a projection of chat.events with its own
consumer group and tracking. It keeps the members and titles of every
conversation itself (so a message right after a start or an add finds its
recipients, whatever the chat projector's lag), and on each MessagePosted
decides, per recipient device, to notify or why not. Decisions and pending
deliveries are written with the tracking position in one transaction (an
outbox); the delivery loop (projections.push_delivery) sends them."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from commands.liveness import Liveness
from domain.codec import EventCodec, UnknownEventType
from domain.conversation import Conversation
from domain.records import LogRecord
from projections.notification_ports import Notice, NotifierView, OnlineStatus
from projections.notify_rules import decide, destination
from projections.ports import AlreadyProjected, EventFeed
from projections.projector import tracking_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifyPolicy:
    max_age: timedelta = timedelta(minutes=10)
    """A message older than this when projected is not notified (``expired``):
    a notifier catching up after an outage does not buzz with old news."""
    include_body: bool = False
    keep_for: timedelta = timedelta(days=7)
    """Messages older than this (the decisions' retention) leave no decision."""


class NotifierProjection(Projection[Any]):
    name = "notifier"

    def __init__(
        self,
        view: NotifierView,
        online: OnlineStatus,
        policy: NotifyPolicy,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(view)
        self.notifier_view = view
        self.online = online
        self.policy = policy
        self.clock = clock

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.notifier_view.skip(tracking)

    @process_event.register
    def _(self, domain_event: Conversation.Started, tracking: Tracking) -> None:
        self.notifier_view.conversation_started(
            str(domain_event.originator_id),
            domain_event.kind,
            domain_event.title,
            list(domain_event.members),
            tracking,
        )

    @process_event.register
    def _(self, domain_event: Conversation.MembersAdded, tracking: Tracking) -> None:
        conversation_id = str(domain_event.originator_id)
        self.notifier_view.members_added(conversation_id, domain_event.user_ids, tracking)

    @process_event.register
    def _(self, domain_event: Conversation.MemberRemoved, tracking: Tracking) -> None:
        conversation_id = str(domain_event.originator_id)
        self.notifier_view.member_gone(conversation_id, domain_event.user_id, tracking)

    @process_event.register
    def _(self, domain_event: Conversation.MemberLeft, tracking: Tracking) -> None:
        conversation_id = str(domain_event.originator_id)
        self.notifier_view.member_gone(conversation_id, domain_event.user_id, tracking)

    @process_event.register
    def _(self, domain_event: Conversation.GroupRenamed, tracking: Tracking) -> None:
        conversation_id = str(domain_event.originator_id)
        self.notifier_view.group_renamed(conversation_id, domain_event.title, tracking)

    @process_event.register
    def _(self, domain_event: Conversation.MessagePosted, tracking: Tracking) -> None:
        notice = Notice(
            conversation_id=str(domain_event.originator_id),
            message_id=domain_event.message_id,
            seq=domain_event.seq,
            sender_id=domain_event.sender,
            sent_at=_aware(domain_event.sent_at),
            body=domain_event.body if self.policy.include_body else None,
        )
        title, recipients = self.notifier_view.recipients(notice.conversation_id, notice.sender_id)
        online = self.online.online([r.user_id for r in recipients]) if recipients else frozenset()
        now = self.clock()
        decisions = decide(
            notice, recipients, online, now, self.policy.max_age, self.policy.keep_for
        )
        destinations = {
            d.device.device_id: destination(d.device) for d in decisions if d.device is not None
        }
        self.notifier_view.record_decisions(notice, title, decisions, destinations, now, tracking)


def _aware(text: str) -> datetime:
    """An event's ISO 8601 time as an aware UTC datetime (naive means UTC)."""
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


class Notifier:
    """The loop: one poll's records in one view transaction, then a wake-up
    for the delivery loop (``on_commit``)."""

    def __init__(
        self,
        view: NotifierView,
        online: OnlineStatus,
        codec: EventCodec,
        topic: str,
        policy: NotifyPolicy,
        clock: Callable[[], datetime],
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._view = view
        self._codec = codec
        self._topic = topic
        self._on_commit = on_commit
        self._projection = NotifierProjection(view, online, policy, clock)
        self.liveness = Liveness("notifier")

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
                self._project(record)
        self._on_commit()
        self.liveness.progressed()
        return len(records)

    def start_offset(self, partition: int) -> int:
        done = self._view.max_tracking_id(tracking_name(self._topic, partition))
        return 0 if done is None else done + 1

    def _project(self, record: LogRecord) -> None:
        tracking = Tracking(tracking_name(self._topic, record.partition), record.offset)
        try:
            event = self._codec.decode(record.value, record.headers)
        except UnknownEventType as error:
            log.warning("notifier skipped unknown event type %s at %s", error, tracking)
            with contextlib.suppress(AlreadyProjected):
                self._view.skip(tracking)
            return
        with contextlib.suppress(AlreadyProjected):
            self._projection.process_event(event, tracking)
