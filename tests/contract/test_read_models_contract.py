"""Read models and accounts: the in-memory and PostgreSQL adapters behave alike.

Every test runs against both adapters; the PostgreSQL ones get a fresh
schema in the test database, dropped afterwards.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from eventsourcing.persistence import Tracking

from commands.accounts import AccountStore, Session, User
from domain.conversation import Conversation
from infra.pg_schema import create_schema, drop_schema
from infra.pg_view import PostgresChatView
from projections.frames import message_object
from projections.ports import AlreadyProjected
from projections.queries import ConversationQueries
from tests.contract.read_model_fixtures import (
    TOPIC,
    Backend,
    Feed,
    ReadModels,
    at,
    fresh_schema_name,
)


@pytest.fixture(params=["memory", "postgres"])
def backend(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Backend]:
    backend = Backend(request.param, postgres_dsn)
    yield backend
    backend.close()


@pytest.fixture
def models(backend: Backend) -> ReadModels:
    return backend.read_models()


@pytest.fixture
def feed(models: ReadModels) -> Feed:
    return Feed(models.view)


@pytest.fixture
def accounts(backend: Backend) -> AccountStore:
    return backend.account_store()


def inbox(models: ReadModels, user_id: str, limit: int = 50) -> list[dict[str, object]]:
    return models.ask(lambda q: q.inbox(user_id, limit))


def seqs(models: ReadModels, conversation_id: str, **cursor: int) -> list[int]:
    page = models.ask(lambda q: q.messages(conversation_id, **cursor))
    return [message["seq"] for message in page.messages]


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


# -- tracking -----------------------------------------------------------------


def test_a_repeated_position_raises_already_projected(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    posted = feed.post(conversation, "ann")
    with pytest.raises(AlreadyProjected):
        models.view.message_posted(posted, feed.history[-1][1])


def test_a_redelivered_message_is_not_duplicated(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    posted = feed.post(conversation, "ann")
    with pytest.raises(AlreadyProjected):
        models.view.message_posted(posted, feed.history[-1][1])
    assert seqs(models, str(conversation.id)) == [1]
    assert inbox(models, "bob")[0]["unread_count"] == 1


def test_the_same_message_at_a_later_position_is_stored_once(
    models: ReadModels, feed: Feed
) -> None:
    conversation = feed.group("ann", ["bob"])
    posted = feed.post(conversation, "ann")
    models.view.message_posted(posted, feed.next_position())
    assert seqs(models, str(conversation.id)) == [1]


def test_a_new_message_at_an_old_position_writes_nothing(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    old_position = feed.history[-1][1]
    with pytest.raises(AlreadyProjected):
        models.view.message_posted(feed.message(conversation, "ann"), old_position)
    assert seqs(models, str(conversation.id)) == []


def test_a_new_conversation_at_an_old_position_writes_nothing(
    models: ReadModels, feed: Feed
) -> None:
    feed.skip()
    other = Feed(models.view)
    with pytest.raises(AlreadyProjected):
        other.group("eve", ["mal"])
    assert inbox(models, "eve") == []


def test_max_tracking_id_is_none_before_any_position(models: ReadModels) -> None:
    assert models.view.max_tracking_id(TOPIC) is None


def test_max_tracking_id_follows_the_positions(models: ReadModels) -> None:
    for offset in (0, 4, 9):
        models.view.skip(Tracking(TOPIC, offset))
    assert models.view.max_tracking_id(TOPIC) == 9


def test_max_tracking_id_is_kept_per_partition(models: ReadModels) -> None:
    models.view.skip(Tracking("chat.events.p1", 7))
    models.view.skip(Tracking("chat.events.p2", 3))
    assert models.view.max_tracking_id("chat.events.p1") == 7


def test_skip_records_only_the_position(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    before = models.ask(lambda q: q.conversation(str(conversation.id), "ann"))
    skipped = feed.skip()
    assert models.view.max_tracking_id(TOPIC) == skipped.notification_id
    assert models.ask(lambda q: q.conversation(str(conversation.id), "ann")) == before


def test_command_rejected_records_only_the_position(models: ReadModels, feed: Feed) -> None:
    conversation = feed.group("ann", ["bob"])
    before = inbox(models, "ann") + inbox(models, "eve")
    rejected = feed.reject(conversation, "eve")
    assert models.view.max_tracking_id(TOPIC) == rejected.notification_id
    assert inbox(models, "ann") + inbox(models, "eve") == before


def test_a_rebuild_gives_identical_query_results(
    backend: Backend, models: ReadModels, feed: Feed
) -> None:
    first = feed.group("ann", ["bob", "cat"], minutes=0)
    second = feed.direct("ann", "dan", minutes=1)
    for minute, sender in enumerate(["ann", "bob", "cat", "ann"], start=2):
        feed.post(first, sender, minutes=minute)
    feed.post(second, "dan", minutes=7)
    feed.skip()
    feed.reject(first, "eve")
    rebuilt = backend.read_models()
    feed.replay_into(rebuilt.view)
    assert _everything(rebuilt, feed) == _everything(models, feed)


# -- schema -------------------------------------------------------------------


def test_schema_creation_is_safe_when_several_processes_start_at_once(
    postgres_dsn: str,
) -> None:
    schema = fresh_schema_name()
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def create() -> None:
        start.wait()
        try:
            create_schema(postgres_dsn, schema)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
    finally:
        drop_schema(postgres_dsn, schema)


def test_creating_the_schema_again_keeps_the_tracking(postgres_dsn: str) -> None:
    schema = fresh_schema_name()
    create_schema(postgres_dsn, schema)
    view = PostgresChatView.from_dsn(postgres_dsn, schema)
    try:
        view.skip(Tracking(TOPIC, 41))
        create_schema(postgres_dsn, schema)
        assert view.max_tracking_id(TOPIC) == 41
    finally:
        view.close()
        drop_schema(postgres_dsn, schema)


# -- accounts -----------------------------------------------------------------

ANN = User("u-ann", "ann", "Ann A.")
SESSION = Session("s-1", "u-ann", at(60 * 24))


def test_an_added_user_is_found_by_handle_with_its_password_hash(
    backend: Backend, accounts: AccountStore
) -> None:
    assert backend.run(accounts.add_user(ANN, "hash-1")) is True
    assert backend.run(accounts.user_by_handle("ann")) == (ANN, "hash-1")


def test_an_added_user_is_found_by_id(backend: Backend, accounts: AccountStore) -> None:
    backend.run(accounts.add_user(ANN, "hash-1"))
    assert backend.run(accounts.user_by_id("u-ann")) == ANN


def test_a_taken_handle_is_refused_and_the_first_user_kept(
    backend: Backend, accounts: AccountStore
) -> None:
    backend.run(accounts.add_user(ANN, "hash-1"))
    assert backend.run(accounts.add_user(User("u-other", "ann", "Other"), "hash-2")) is False
    assert backend.run(accounts.user_by_handle("ann")) == (ANN, "hash-1")
    assert backend.run(accounts.user_by_id("u-other")) is None


def test_an_unknown_handle_is_none(backend: Backend, accounts: AccountStore) -> None:
    assert backend.run(accounts.user_by_handle("nobody")) is None


def test_an_unknown_user_id_is_none(backend: Backend, accounts: AccountStore) -> None:
    backend.run(accounts.add_user(ANN, "hash-1"))
    assert backend.run(accounts.user_by_id("u-nobody")) is None


def test_an_added_session_is_found_by_its_token_hash(
    backend: Backend, accounts: AccountStore
) -> None:
    backend.run(accounts.add_session("token-hash-1", SESSION))
    found = backend.run(accounts.session("token-hash-1"))
    assert found == SESSION
    assert found is not None and found.expires_at.utcoffset() == timedelta(0)


def test_an_unknown_session_is_none(backend: Backend, accounts: AccountStore) -> None:
    backend.run(accounts.add_session("token-hash-1", SESSION))
    assert backend.run(accounts.session("token-hash-2")) is None


def test_a_removed_session_is_returned_and_gone(backend: Backend, accounts: AccountStore) -> None:
    backend.run(accounts.add_session("token-hash-1", SESSION))
    assert backend.run(accounts.remove_session("token-hash-1")) == SESSION
    assert backend.run(accounts.session("token-hash-1")) is None


def test_removing_an_unknown_session_returns_none(backend: Backend, accounts: AccountStore) -> None:
    assert backend.run(accounts.remove_session("token-hash-9")) is None


# -- helpers ------------------------------------------------------------------


def _everything(models: ReadModels, feed: Feed) -> object:
    async def collect(q: ConversationQueries) -> object:
        ids = sorted({str(event.originator_id) for event, _ in feed.history if event})
        users = ["ann", "bob", "cat", "dan", "eve"]
        return (
            [await q.inbox(user, 50) for user in users],
            [await q.conversation(cid, user) for cid in ids for user in users],
            [await q.messages(cid, limit=200) for cid in ids],
            models.view.max_tracking_id(TOPIC),
        )

    return models.ask(collect)
