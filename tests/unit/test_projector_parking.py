"""Events the projector cannot decode or apply are parked on the
dead-letter topic; their conversation is held (its later events parked
too, so none is applied after a gap) and every other conversation goes on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking

from domain.codec import EventCodec
from domain.conversation import Conversation
from domain.records import EVENTS_LOG, LogRecord
from infra.memory.chat_view import InMemoryChatView
from infra.memory.dead_letters import InMemoryDeadLetters
from infra.memory.log import InMemoryLog
from projections.ports import ViewUnavailable
from projections.projector import HELD_REASON, CannotDecipher, Projector
from tests.support.projector_fakes import ListFeed, NoPushes

AT = datetime(2026, 1, 1, tzinfo=UTC)
CODEC = EventCodec()
PARKED = "chat.parked"


class BrokenOnBody(InMemoryChatView):
    """A view that fails on one message's body, as a bug would."""

    def message_posted(self, event: Conversation.MessagePosted, tracking: Tracking) -> Any:
        if event.body == "boom":
            raise ValueError("cannot store this")
        return super().message_posted(event, tracking)


class Unreachable(InMemoryChatView):
    def message_posted(self, event: Conversation.MessagePosted, tracking: Tracking) -> Any:
        raise ViewUnavailable("the store is down")


class Story:
    """Two direct conversations, their events as records of partition 0."""

    def __init__(self) -> None:
        self.records: list[LogRecord] = []
        self.ann_bob = Conversation.start_direct("ann", "bob", AT)
        self.ann_cat = Conversation.start_direct("ann", "cat", AT)
        self._take(self.ann_bob)
        self._take(self.ann_cat)

    def post(self, chat: Conversation, body: str) -> None:
        chat.post_message("ann", f"c{len(self.records)}", len(self.records), body, AT)
        self._take(chat)

    def garbage(self, chat: Conversation) -> None:
        headers = {"event_type": "MessagePosted", "aggregate_id": str(chat.id)}
        self.records.append(LogRecord(0, len(self.records), str(chat.id), b"{oops", headers))

    def _take(self, chat: Conversation) -> None:
        for event in chat.collect_events():
            record = CODEC.encode(cast(DomainEvent, event))
            self.records.append(
                LogRecord(0, len(self.records), record.key, record.value, record.headers)
            )


class Run:
    def __init__(self, view: InMemoryChatView | None = None) -> None:
        self.log = InMemoryLog({PARKED: 1})
        self.view = view or InMemoryChatView()
        self.parked_count = 0

        self.projector = Projector(
            self.view,
            NoPushes(),
            CODEC,
            "chat.events",
            InMemoryDeadLetters(self.log, PARKED),
            on_parked=self._counted,
        )

    def _counted(self) -> None:
        self.parked_count += 1

    def project(self, records: Sequence[LogRecord]) -> None:
        self.projector.step(ListFeed(records), 0)

    def take_partition_over(self, records: Sequence[LogRecord]) -> None:
        self.projector.start_offset(0)
        self.project(records)

    def parked(self) -> list[LogRecord]:
        return self.log.records(PARKED, 0)

    def seqs(self, chat: Conversation) -> list[int]:
        state = self.view.conversations[str(chat.id)]
        return [message["seq"] for message in state.messages]


def test_an_event_that_cannot_be_decoded_is_parked_with_its_origin() -> None:
    story = Story()
    story.garbage(story.ann_bob)
    run = Run()
    run.project(story.records)
    (parked,) = run.parked()
    assert (parked.value, parked.headers["parked_log"], parked.headers["parked_offset"]) == (
        b"{oops",
        EVENTS_LOG,
        "2",
    )


def test_the_later_events_of_a_conversation_with_a_parked_one_are_parked_too() -> None:
    story = Story()
    story.post(story.ann_bob, "one")
    story.garbage(story.ann_bob)
    story.post(story.ann_bob, "three")
    run = Run()
    run.project(story.records)
    reasons = [record.headers["parked_error"] for record in run.parked()]
    assert (run.seqs(story.ann_bob), reasons[1:]) == ([1], [HELD_REASON])


def test_other_conversations_go_on_when_one_is_held() -> None:
    story = Story()
    story.garbage(story.ann_bob)
    story.post(story.ann_cat, "hello")
    story.post(story.ann_bob, "later")
    story.post(story.ann_cat, "again")
    run = Run()
    run.project(story.records)
    assert run.seqs(story.ann_cat) == [1, 2]


def test_an_event_the_view_cannot_apply_is_parked_and_its_batch_mates_applied() -> None:
    story = Story()
    story.post(story.ann_cat, "before")
    story.post(story.ann_bob, "boom")
    story.post(story.ann_cat, "after")
    run = Run(BrokenOnBody())
    run.project(story.records)
    parked = run.parked()
    assert (run.seqs(story.ann_cat), len(parked), run.view.held_conversations()) == (
        [1, 2],
        1,
        {str(story.ann_bob.id)},
    )


def test_a_held_conversation_stays_held_for_the_next_projector() -> None:
    story = Story()
    story.garbage(story.ann_bob)
    run = Run()
    run.project(story.records)
    story.post(story.ann_bob, "after a restart")
    run.project(story.records[-1:])
    assert (len(run.parked()), run.seqs(story.ann_bob)) == (2, [])


def test_each_parked_event_is_counted_once() -> None:
    story = Story()
    story.garbage(story.ann_bob)
    story.post(story.ann_bob, "held")
    run = Run()
    run.project(story.records)
    run.project(story.records)  # delivered again after a rebalance
    assert run.parked_count == 2


def test_a_store_that_cannot_be_reached_blames_no_record() -> None:
    story = Story()
    story.post(story.ann_bob, "fine")
    run = Run(Unreachable())
    with pytest.raises(ViewUnavailable):
        run.project(story.records)
    assert run.parked() == []


def test_a_projector_taking_a_partition_over_knows_the_holds_made_meanwhile() -> None:
    story = Story()
    shared = InMemoryChatView()
    later = Run(shared)
    later.project([])  # started earlier, knows of no hold yet
    story.garbage(story.ann_bob)
    Run(shared).project(story.records)  # another projector holds ann-bob
    story.post(story.ann_bob, "after the gap")
    later.take_partition_over(story.records[-1:])
    assert later.seqs(story.ann_bob) == []


def test_an_encrypted_event_that_does_not_decode_stops_the_projector() -> None:
    story = Story()
    record = story.records[0]
    headers = {**record.headers, "content_encoding": "aes"}
    run = Run()
    with pytest.raises(CannotDecipher):
        run.project([LogRecord(0, 0, record.key, b"not what the key made", headers)])
    assert run.parked() == []


def test_a_projector_that_finds_its_predecessor_parked_an_event_holds_its_conversation() -> None:
    story = Story()
    shared = InMemoryChatView()
    later = Run(shared)
    later.take_partition_over(story.records)  # the holds read: none yet
    story.garbage(story.ann_bob)
    Run(shared).project(story.records[-1:])  # the previous owner parks it, holding ann-bob
    story.post(story.ann_bob, "after the gap")
    later.project(story.records[-2:])  # the parked one again (already written), then the next
    assert later.seqs(story.ann_bob) == []


def test_a_projector_that_finds_an_event_applied_by_its_predecessor_learns_its_holds() -> None:
    story = Story()
    shared = InMemoryChatView()
    later = Run(shared)
    later.take_partition_over(story.records)
    story.post(story.ann_cat, "applied by the previous owner")
    story.garbage(story.ann_bob)
    Run(shared).project(story.records[-2:])  # applies one, parks the other
    story.post(story.ann_bob, "after the gap")
    later.project(story.records[-3:-2] + story.records[-1:])
    assert later.seqs(story.ann_bob) == []
