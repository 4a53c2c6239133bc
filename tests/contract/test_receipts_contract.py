"""Read models: members' delivered and read watermarks, alike in the
in-memory and PostgreSQL adapters.

Every test runs against both adapters. A receipt lifts a member's
watermarks (never lowers them; read lifts delivered too) and returns every
member, for the ``receipt`` push. The status a sender sees is in
test_message_status_contract.py.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import pytest

from domain.conversation import Conversation
from projections.ports import AlreadyProjected
from tests.contract.read_model_fixtures import (
    Feed,
    ReadModels,
    at,
    inbox,
    pending,
    seen_by,
)

R = TypeVar("R", Conversation.MessagesDelivered, Conversation.MessagesRead)


def receipts(models: ReadModels, conversation: Conversation) -> list[dict[str, Any]]:
    return models.ask(lambda q: q.receipts(str(conversation.id)))


def watermarks(models: ReadModels, conversation: Conversation, user_id: str) -> tuple[int, int]:
    """The member's (delivered_seq, read_seq)."""
    (found,) = [r for r in receipts(models, conversation) if r["user_id"] == user_id]
    return found["delivered_seq"], found["read_seq"]


def receipt_event(kind: type[R], conversation: Conversation, user_id: str, up_to_seq: int) -> R:
    """A receipt event as the log could carry it, whatever the aggregate
    would now allow (an older watermark, a non-member)."""
    fields: dict[str, Any] = {  # a dict: mypy does not see the event's fields
        "originator_id": conversation.id,
        "originator_version": conversation.version + 1,
        "timestamp": at(8),
        "prev_hash": conversation.last_hash,
        "hash": "not-chained",
        "user_id": user_id,
        "up_to_seq": up_to_seq,
    }
    return kind(**fields)


# -- watermarks ---------------------------------------------------------------


def test_delivered_moves_only_forward_so_an_older_report_changes_nothing(
    models: ReadModels, feed: Feed
) -> None:
    direct = feed.direct("ann", "bob")
    for minute in range(1, 4):
        feed.post(direct, "ann", minutes=minute)
    feed.deliver(direct, "bob", 3)
    older = receipt_event(Conversation.MessagesDelivered, direct, "bob", 1)
    models.view.messages_delivered(older, feed.next_position())
    assert watermarks(models, direct, "bob") == (3, 0)


def test_read_moves_only_forward_so_an_older_report_changes_nothing(
    models: ReadModels, feed: Feed
) -> None:
    direct = feed.direct("ann", "bob")
    for minute in range(1, 4):
        feed.post(direct, "ann", minutes=minute)
    feed.read(direct, "bob", 3)
    older = receipt_event(Conversation.MessagesRead, direct, "bob", 2)
    models.view.messages_read(older, feed.next_position())
    assert watermarks(models, direct, "bob") == (3, 3)


def test_read_lifts_the_delivered_watermark_with_it(models: ReadModels, feed: Feed) -> None:
    direct = feed.direct("ann", "bob")
    for minute in range(1, 5):
        feed.post(direct, "ann", minutes=minute)
    feed.deliver(direct, "bob", 1)
    feed.read(direct, "bob", 3)
    assert watermarks(models, direct, "bob") == (3, 3)


def test_read_below_the_delivered_watermark_keeps_delivered(models: ReadModels, feed: Feed) -> None:
    direct = feed.direct("ann", "bob")
    for minute in range(1, 5):
        feed.post(direct, "ann", minutes=minute)
    feed.deliver(direct, "bob", 4)
    feed.read(direct, "bob", 2)
    assert watermarks(models, direct, "bob") == (4, 2)


def test_a_later_delivered_report_keeps_the_read_watermark(models: ReadModels, feed: Feed) -> None:
    direct = feed.direct("ann", "bob")
    for minute in range(1, 5):
        feed.post(direct, "ann", minutes=minute)
    feed.read(direct, "bob", 2)
    feed.deliver(direct, "bob", 4)
    assert watermarks(models, direct, "bob") == (4, 2)


def test_reading_lowers_the_readers_unread_count_exactly(models: ReadModels, feed: Feed) -> None:
    direct = feed.direct("ann", "bob")
    for minute, sender in enumerate(["ann", "ann", "ann", "bob", "ann"], start=1):
        feed.post(direct, sender, minutes=minute)
    feed.read(direct, "bob", 2)
    assert [c["unread_count"] for c in inbox(models, "bob")] == [2]  # seq 3 and 5


def test_delivery_alone_leaves_the_unread_count(models: ReadModels, feed: Feed) -> None:
    direct = feed.direct("ann", "bob")
    feed.post(direct, "ann", minutes=1)
    feed.post(direct, "ann", minutes=2)
    feed.deliver(direct, "bob", 2)
    seen = seen_by(models, direct, "bob")
    assert seen is not None
    assert seen["unread_count"] == 2


def test_a_receipt_is_not_activity_and_keeps_updated_at(models: ReadModels, feed: Feed) -> None:
    direct = feed.direct("ann", "bob")
    feed.post(direct, "ann", minutes=1)
    feed.read(direct, "bob", 1, minutes=30)
    assert inbox(models, "ann")[0]["updated_at"] == at(1).isoformat()


def test_receipts_lists_every_members_watermarks_by_user_id(models: ReadModels, feed: Feed) -> None:
    group = feed.group("cat", ["bob", "ann"])
    feed.post(group, "cat", minutes=1)
    feed.post(group, "cat", minutes=2)
    feed.deliver(group, "ann", 2)
    feed.read(group, "bob", 1)
    assert receipts(models, group) == [
        {"user_id": "ann", "delivered_seq": 2, "read_seq": 0},
        {"user_id": "bob", "delivered_seq": 1, "read_seq": 1},
        {"user_id": "cat", "delivered_seq": 0, "read_seq": 0},
    ]


def test_receipts_leave_out_a_member_who_left(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.leave(group, "bob")
    assert [r["user_id"] for r in receipts(models, group)] == ["ann", "cat"]


# -- the returned audience ----------------------------------------------------


def test_messages_delivered_returns_every_member_including_the_reporter(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("cat", ["bob", "ann"])
    feed.post(group, "cat")
    group.mark_delivered("bob", 1, at(2))
    event = pending(group, Conversation.MessagesDelivered)
    assert list(models.view.messages_delivered(event, feed.next_position())) == [
        "ann",
        "bob",
        "cat",
    ]


def test_messages_read_returns_every_member_including_the_reporter(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("cat", ["bob", "ann"])
    feed.post(group, "cat")
    group.mark_read("ann", 1, at(2))
    event = pending(group, Conversation.MessagesRead)
    assert list(models.view.messages_read(event, feed.next_position())) == ["ann", "bob", "cat"]


def test_a_receipt_of_a_non_member_returns_no_one_and_records_the_position(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    feed.post(group, "ann")
    before = receipts(models, group)
    position = feed.next_position()
    outsider = receipt_event(Conversation.MessagesRead, group, "eve", 1)
    assert list(models.view.messages_read(outsider, position)) == []
    assert models.view.max_tracking_id(position.application_name) == position.notification_id
    assert receipts(models, group) == before


def test_a_receipt_for_an_unknown_conversation_returns_no_one_and_records_the_position(
    models: ReadModels, feed: Feed
) -> None:
    unseen = Conversation.create_group(uuid.uuid4(), "ann", "Elsewhere", ["bob"], at(0))
    unseen.collect_events()
    position = feed.next_position()
    event = receipt_event(Conversation.MessagesDelivered, unseen, "bob", 1)
    assert list(models.view.messages_delivered(event, position)) == []
    assert models.view.max_tracking_id(position.application_name) == position.notification_id


# -- tracking -----------------------------------------------------------------


def test_a_delivered_report_at_an_old_position_raises_and_moves_nothing(
    models: ReadModels, feed: Feed
) -> None:
    direct = feed.direct("ann", "bob")
    feed.post(direct, "ann", minutes=1)
    feed.post(direct, "ann", minutes=2)
    feed.deliver(direct, "bob", 1)
    direct.mark_delivered("bob", 2, at(4))
    event = pending(direct, Conversation.MessagesDelivered)
    with pytest.raises(AlreadyProjected):
        models.view.messages_delivered(event, feed.history[-1][1])
    assert watermarks(models, direct, "bob") == (1, 0)


def test_a_read_report_at_an_old_position_raises_and_moves_nothing(
    models: ReadModels, feed: Feed
) -> None:
    direct = feed.direct("ann", "bob")
    feed.post(direct, "ann", minutes=1)
    direct.mark_read("bob", 1, at(2))
    event = pending(direct, Conversation.MessagesRead)
    with pytest.raises(AlreadyProjected):
        models.view.messages_read(event, feed.history[-1][1])
    assert watermarks(models, direct, "bob") == (0, 0)
    assert inbox(models, "bob")[0]["unread_count"] == 1
