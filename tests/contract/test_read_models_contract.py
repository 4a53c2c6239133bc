"""Read models: the in-memory and PostgreSQL adapters answer queries alike.

Every test runs against both adapters; the PostgreSQL ones get a fresh
schema in the test database, dropped afterwards. Membership changes are in
test_membership_contract.py, tracking and rebuilds in
test_view_tracking_contract.py, accounts in test_accounts_contract.py.
"""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.persistence import Tracking

from domain.conversation import Conversation
from projections.wire import posted_message as message_object
from tests.contract.read_model_fixtures import (
    TOPIC,
    Feed,
    ReadModels,
    at,
    inbox,
    seqs,
)

# -- conversations ------------------------------------------------------------


def test_conversation_started_returns_the_object_as_the_creator_sees_it(
    models: ReadModels,
) -> None:
    conversation = Conversation.create_group(uuid.uuid4(), "ann", "Lunch", ["bob"], at(0))
    started = conversation.collect_events()[0]
    assert isinstance(started, Conversation.Started)
    returned = models.view.conversation_started(started, Tracking(TOPIC, 0))
    assert returned == {
        "conversation_id": str(conversation.id),
        "kind": "group",
        "title": "Lunch",
        "member_ids": ["ann", "bob"],
        "members": [{"user_id": "ann", "role": "admin"}, {"user_id": "bob", "role": "member"}],
        "last_seq": 0,
        "unread_count": 0,
        "last_message": None,
        "updated_at": at(0).isoformat(),
        "last_change_seq": 0,
    }


def test_the_started_object_equals_what_the_creator_then_queries(models: ReadModels) -> None:
    conversation = Conversation.create_group(uuid.uuid4(), "ann", "Team", ["bob", "cat"], at(2))
    started = conversation.collect_events()[0]
    assert isinstance(started, Conversation.Started)
    returned = models.view.conversation_started(started, Tracking(TOPIC, 0))
    assert returned == models.ask(lambda q: q.conversation(str(conversation.id), "ann"))


def test_a_started_conversation_is_in_every_members_inbox(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    assert [c["conversation_id"] for c in inbox(models, "bob")] == [str(conversation.id)]


def test_a_direct_conversation_has_no_title_and_two_members(models: ReadModels, feed: Feed) -> None:
    conversation = feed.direct("zed", "amy")
    seen = models.ask(lambda q: q.conversation(str(conversation.id), "zed"))
    assert seen is not None
    assert (seen["kind"], seen["title"], seen["member_ids"]) == ("direct", None, ["amy", "zed"])


def test_a_posted_message_shows_as_last_message_with_its_seq(
    models: ReadModels, feed: Feed
) -> None:
    conversation = feed.group("ann", ["bob"])
    posted = feed.post(conversation, "ann", minutes=3, body="hi bob")
    seen = models.ask(lambda q: q.conversation(str(conversation.id), "bob"))
    assert seen is not None
    assert seen["last_message"] == message_object(posted)
    assert (seen["last_seq"], seen["updated_at"]) == (1, at(3).isoformat())


def test_message_posted_returns_the_sorted_member_ids(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("cat", ["ann", "bob"])
    members = models.view.message_posted(feed.message(conversation, "bob"), feed.next_position())
    assert list(members) == ["ann", "bob", "cat"]


def test_message_ids_come_back_as_decimal_strings(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    posted = feed.post(conversation, "ann")
    page = models.ask(lambda q: q.messages(str(conversation.id)))
    assert page.messages[0]["message_id"] == str(posted.message_id)
    assert posted.message_id > 2**62


# -- inbox --------------------------------------------------------------------


LOW_ID = uuid.UUID(int=1)
HIGH_ID = uuid.UUID(int=2**128 - 1)


def test_inbox_lists_the_most_recently_active_conversation_first(
    models: ReadModels, feed: Feed
) -> None:
    # Neither projection order, nor start time, nor id order gives the answer.
    started_later = feed.group("ann", ["cat"], minutes=5, conversation_id=LOW_ID)
    active = feed.group("ann", ["bob"], minutes=0, conversation_id=HIGH_ID)
    feed.post(active, "bob", minutes=10)
    listed = [c["conversation_id"] for c in inbox(models, "ann")]
    assert listed == [str(active.id), str(started_later.id)]


def test_inbox_orders_unmessaged_conversations_by_their_start_time(
    models: ReadModels, feed: Feed
) -> None:
    first = feed.group("ann", ["bob"], minutes=1, conversation_id=LOW_ID)
    second = feed.group("ann", ["cat"], minutes=2, conversation_id=HIGH_ID)
    listed = [(c["conversation_id"], c["updated_at"]) for c in inbox(models, "ann")]
    assert listed == [(str(second.id), at(2).isoformat()), (str(first.id), at(1).isoformat())]


def test_a_message_dated_before_the_last_activity_keeps_updated_at(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"], minutes=0)
    feed.rename(group, "ann", "Later", minutes=10)
    feed.post(group, "bob", minutes=4)
    seen = inbox(models, "ann")[0]
    assert (seen["last_seq"], seen["updated_at"]) == (1, at(10).isoformat())


def test_inbox_returns_at_most_limit_conversations(models: ReadModels, feed: Feed) -> None:
    for minute in range(3):
        feed.group("ann", [f"peer{minute}"], minutes=minute)
    assert len(inbox(models, "ann", limit=2)) == 2


def test_inbox_carries_the_last_message_of_each_conversation(
    models: ReadModels, feed: Feed
) -> None:
    conversation = feed.group("ann", ["bob"])
    feed.post(conversation, "bob", minutes=1, body="first")
    last = feed.post(conversation, "ann", minutes=2, body="second")
    assert inbox(models, "bob")[0]["last_message"] == message_object(last)


def test_inbox_of_a_user_without_conversations_is_empty(models: ReadModels, feed: Feed) -> None:
    feed.group("ann", ["bob"])
    assert inbox(models, "nobody") == []


def test_unread_count_counts_the_messages_of_other_members(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob", "cat"])
    feed.post(conversation, "ann", minutes=1)
    feed.post(conversation, "cat", minutes=2)
    feed.post(conversation, "bob", minutes=3)
    assert inbox(models, "bob")[0]["unread_count"] == 2


def test_own_messages_are_never_unread(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    feed.post(conversation, "ann", minutes=1)
    feed.post(conversation, "ann", minutes=2)
    seen = models.ask(lambda q: q.conversation(str(conversation.id), "ann"))
    assert seen is not None
    assert seen["unread_count"] == 0


# -- membership ---------------------------------------------------------------


def test_a_member_is_a_member(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    assert models.ask(lambda q: q.is_member(str(conversation.id), "bob")) is True


def test_a_non_member_is_not_a_member(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    assert models.ask(lambda q: q.is_member(str(conversation.id), "eve")) is False


def test_a_non_member_gets_no_conversation(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    feed.post(conversation, "ann")
    assert models.ask(lambda q: q.conversation(str(conversation.id), "eve")) is None


def test_an_unknown_conversation_is_none(models: ReadModels) -> None:
    assert models.ask(lambda q: q.conversation("no-such-conversation", "ann")) is None


# -- message pages ------------------------------------------------------------


@pytest.fixture
def ten_messages(feed: Feed) -> str:
    conversation = feed.group("ann", ["bob"])
    for minute in range(1, 11):
        feed.post(conversation, "ann" if minute % 2 else "bob", minutes=minute)
    return str(conversation.id)


def test_messages_after_a_seq_are_the_next_ones_ascending(
    models: ReadModels, ten_messages: str
) -> None:
    assert seqs(models, ten_messages, after_seq=4, limit=3) == [5, 6, 7]


def test_messages_before_a_seq_are_the_ones_just_before_it_ascending(
    models: ReadModels, ten_messages: str
) -> None:
    assert seqs(models, ten_messages, before_seq=5, limit=3) == [2, 3, 4]


def test_messages_without_a_cursor_are_the_latest_ascending(
    models: ReadModels, ten_messages: str
) -> None:
    assert seqs(models, ten_messages, limit=3) == [8, 9, 10]


def test_a_page_carries_the_conversations_last_seq(models: ReadModels, ten_messages: str) -> None:
    page = models.ask(lambda q: q.messages(ten_messages, after_seq=1, limit=2))
    assert page.last_seq == 10


def test_a_page_holds_message_objects(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    posted = feed.post(conversation, "bob", minutes=4, body="héllo ✓")
    page = models.ask(lambda q: q.messages(str(conversation.id)))
    assert list(page.messages) == [message_object(posted)]


def test_a_page_never_holds_more_than_200_messages(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    for _ in range(205):
        feed.post(conversation, "ann")
    assert len(seqs(models, str(conversation.id), after_seq=0, limit=500)) == 200


def test_messages_of_an_unknown_conversation_are_an_empty_page(models: ReadModels) -> None:
    page = models.ask(lambda q: q.messages("no-such-conversation"))
    assert (list(page.messages), page.last_seq) == ([], 0)


def test_a_senders_message_is_found_by_its_client_id_and_no_one_elses(
    models: ReadModels, feed: Feed
) -> None:
    conversation = feed.group("ann", ["bob"])
    posted = feed.post(conversation, "ann")
    chat = str(conversation.id)
    assert models.ask(lambda q: q.sent_message_id(chat, "ann", posted.client_msg_id)) == (
        posted.message_id
    )
    assert models.ask(lambda q: q.sent_message_id(chat, "bob", posted.client_msg_id)) is None
    assert models.ask(lambda q: q.sent_message_id(chat, "ann", "another")) is None
