"""Read models: delivered and read watermarks, and the status of a message
as its sender sees it, alike in the in-memory and PostgreSQL adapters.

Every test runs against both adapters. A receipt lifts a member's
watermarks (never lowers them) and returns every member, for the ``receipt``
push; a message's status counts the current members but its sender.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest

from domain.conversation import Conversation
from projections.ports import AlreadyProjected
from tests.contract.read_model_fixtures import (
    BACKENDS,
    Backend,
    Feed,
    ReadModels,
    at,
    inbox,
    open_backend,
    pending,
    seen_by,
)

R = TypeVar("R", Conversation.MessagesDelivered, Conversation.MessagesRead)
STATUS_KEYS = {"recipients", "delivered_count", "read_count", "status"}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Backend]:
    yield from open_backend(request.param, postgres_dsn)


@pytest.fixture
def models(backend: Backend) -> ReadModels:
    return backend.read_models()


@pytest.fixture
def feed(models: ReadModels) -> Feed:
    return Feed(models.view)


def receipts(models: ReadModels, conversation: Conversation) -> list[dict[str, Any]]:
    return models.ask(lambda q: q.receipts(str(conversation.id)))


def watermarks(models: ReadModels, conversation: Conversation, user_id: str) -> tuple[int, int]:
    """The member's (delivered_seq, read_seq)."""
    (found,) = [r for r in receipts(models, conversation) if r["user_id"] == user_id]
    return found["delivered_seq"], found["read_seq"]


def message(
    models: ReadModels, conversation: Conversation, seq: int, viewer: str | None
) -> dict[str, Any]:
    page = models.ask(lambda q: q.messages(str(conversation.id), viewer=viewer))
    (found,) = [m for m in page.messages if m["seq"] == seq]
    return found


def status(
    models: ReadModels, conversation: Conversation, seq: int, sender: str
) -> tuple[int, int, int, str]:
    """(recipients, delivered_count, read_count, status) as the sender sees it."""
    seen = message(models, conversation, seq, viewer=sender)
    return seen["recipients"], seen["delivered_count"], seen["read_count"], seen["status"]


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


def group_of_five(feed: Feed) -> Conversation:
    """ann, bob, cat, dan and eve; ann posted seq 1."""
    group = feed.group("ann", ["bob", "cat", "dan", "eve"])
    feed.post(group, "ann", minutes=1)
    return group


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


# -- message status -----------------------------------------------------------


def test_a_direct_message_goes_from_sent_to_delivered_to_read_for_its_sender(
    models: ReadModels, feed: Feed
) -> None:
    direct = feed.direct("ann", "bob")
    feed.post(direct, "ann", minutes=1)
    steps = [status(models, direct, 1, "ann")]
    feed.deliver(direct, "bob", 1)
    steps.append(status(models, direct, 1, "ann"))
    feed.read(direct, "bob", 1)
    steps.append(status(models, direct, 1, "ann"))
    assert steps == [(1, 0, 0, "sent"), (1, 1, 0, "delivered"), (1, 1, 1, "read")]


def test_a_group_message_delivered_to_three_reads_delivered_to_three_of_four(
    models: ReadModels, feed: Feed
) -> None:
    group = group_of_five(feed)
    for user_id in ("bob", "cat", "dan"):
        feed.deliver(group, user_id, 1)
    assert status(models, group, 1, "ann") == (4, 3, 0, "sent")


def test_a_group_message_is_delivered_once_all_four_have_it(models: ReadModels, feed: Feed) -> None:
    group = group_of_five(feed)
    for user_id in ("bob", "cat", "dan", "eve"):
        feed.deliver(group, user_id, 1)
    assert status(models, group, 1, "ann") == (4, 4, 0, "delivered")


def test_a_group_message_turns_read_only_when_all_four_read_it(
    models: ReadModels, feed: Feed
) -> None:
    group = group_of_five(feed)
    for user_id in ("bob", "cat", "dan"):
        feed.read(group, user_id, 1)
    three_read = status(models, group, 1, "ann")
    feed.deliver(group, "eve", 1)
    three_read_all_delivered = status(models, group, 1, "ann")
    feed.read(group, "eve", 1)
    assert [three_read, three_read_all_delivered, status(models, group, 1, "ann")] == [
        (4, 3, 3, "sent"),
        (4, 4, 3, "delivered"),
        (4, 4, 4, "read"),
    ]


def test_a_watermark_above_a_message_counts_for_it(models: ReadModels, feed: Feed) -> None:
    direct = feed.direct("ann", "bob")
    feed.post(direct, "ann", minutes=1)
    feed.post(direct, "ann", minutes=2)
    feed.post(direct, "ann", minutes=3)
    feed.read(direct, "bob", 2)
    statuses = [status(models, direct, seq, "ann")[3] for seq in (1, 2, 3)]
    assert statuses == ["read", "read", "sent"]


def test_a_member_who_left_no_longer_counts(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "ann", minutes=1)
    feed.read(group, "bob", 1)
    before = status(models, group, 1, "ann")
    feed.leave(group, "cat")
    assert (before, status(models, group, 1, "ann")) == ((2, 1, 1, "sent"), (1, 1, 1, "read"))


def test_a_message_whose_recipients_all_left_is_sent_with_no_counts(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    feed.post(group, "ann", minutes=1)
    feed.read(group, "bob", 1)
    feed.leave(group, "bob")
    assert status(models, group, 1, "ann") == (0, 0, 0, "sent")


def test_messages_of_others_carry_no_status_keys(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "ann", minutes=1)
    feed.read(group, "bob", 1)
    assert STATUS_KEYS.isdisjoint(message(models, group, 1, viewer="bob"))


def test_a_page_without_a_viewer_carries_no_status_keys(models: ReadModels, feed: Feed) -> None:
    direct = feed.direct("ann", "bob")
    feed.post(direct, "ann", minutes=1)
    assert STATUS_KEYS.isdisjoint(message(models, direct, 1, viewer=None))


def test_a_page_gives_each_of_the_viewers_own_messages_its_status(
    models: ReadModels, feed: Feed
) -> None:
    direct = feed.direct("ann", "bob")
    for minute, sender in enumerate(["ann", "bob", "ann"], start=1):
        feed.post(direct, sender, minutes=minute)
    feed.deliver(direct, "bob", 1)
    page = models.ask(lambda q: q.messages(str(direct.id), viewer="ann"))
    assert [m.get("status") for m in page.messages] == ["delivered", None, "sent"]


def test_the_last_message_carries_its_status_for_its_sender(models: ReadModels, feed: Feed) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "ann", minutes=1)
    feed.deliver(group, "bob", 1)
    expected = {**message(models, group, 1, viewer="ann")}
    seen = seen_by(models, group, "ann")
    assert seen is not None
    assert (seen["last_message"], inbox(models, "ann")[0]["last_message"]) == (expected, expected)
    assert expected["delivered_count"] == 1


def test_the_last_message_carries_no_status_for_other_members(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "ann", minutes=1)
    seen = seen_by(models, group, "bob")
    assert seen is not None
    assert STATUS_KEYS.isdisjoint(seen["last_message"])
    assert STATUS_KEYS.isdisjoint(inbox(models, "bob")[0]["last_message"])


def test_a_sender_who_leaves_gets_the_last_message_without_status(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "bob", minutes=1)
    group.leave("bob", at(2))
    returned = models.view.member_left(
        pending(group, Conversation.MemberLeft), feed.next_position()
    )
    assert STATUS_KEYS.isdisjoint(returned["bob"]["last_message"])


def test_a_change_returns_the_sender_the_last_message_with_its_status(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat"])
    feed.post(group, "bob", minutes=1)
    feed.read(group, "ann", 1)
    group.rename("ann", "Renamed", at(2))
    returned = models.view.group_renamed(
        pending(group, Conversation.GroupRenamed), feed.next_position()
    )
    assert returned["bob"]["last_message"] == message(models, group, 1, viewer="bob")
    assert returned["bob"]["last_message"]["read_count"] == 1
