"""Read models: the status of a message as its sender sees it, alike in the
in-memory and PostgreSQL adapters.

Every test runs against both adapters. The viewer's own messages (in a page,
and as a conversation's last message) carry ``recipients`` (the current
members but the sender), ``delivered_count``, ``read_count`` and ``status``;
other messages carry none of these keys.
"""

from __future__ import annotations

from typing import Any

from domain.conversation import Conversation
from tests.contract.read_model_fixtures import (
    Feed,
    ReadModels,
    at,
    inbox,
    pending,
    seen_by,
)

STATUS_KEYS = {"recipients", "delivered_count", "read_count", "status"}


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


def group_of_five(feed: Feed) -> Conversation:
    """ann, bob, cat, dan and eve; ann posted seq 1."""
    group = feed.group("ann", ["bob", "cat", "dan", "eve"])
    feed.post(group, "ann", minutes=1)
    return group


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
