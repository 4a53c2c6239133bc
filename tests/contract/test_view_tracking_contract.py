"""Read models: both adapters write each position once and rebuild alike.

Every test runs against both adapters (the schema tests on PostgreSQL only).
"""

from __future__ import annotations

import threading
import uuid

import pytest
from eventsourcing.persistence import Tracking

from domain.conversation import Conversation
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.schema import create_schema
from projections.ports import AlreadyProjected
from projections.queries import ConversationQueries
from tests.contract.read_model_fixtures import (
    TOPIC,
    Backend,
    Feed,
    ReadModels,
    at,
    fresh_schema_name,
    inbox,
    member_ids,
    pending,
    seen_by,
    seqs,
)
from tests.support.postgres import drop_schema

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


def test_a_rebuild_after_membership_changes_gives_identical_query_results(
    backend: Backend, models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"], minutes=0)
    feed.post(group, "bob", minutes=1)
    feed.add(group, "ann", ["cat", "dan"], minutes=2)
    feed.post(group, "cat", minutes=3)
    feed.remove(group, "ann", "bob", minutes=4)
    feed.rename(group, "ann", "Renamed", minutes=5)
    feed.leave(group, "ann", minutes=6)
    feed.post(group, "dan", minutes=7)
    rebuilt = backend.read_models()
    feed.replay_into(rebuilt.view)
    assert _everything(rebuilt, feed) == _everything(models, feed)


def test_a_rebuild_after_receipts_gives_identical_query_results(
    backend: Backend, models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob", "cat", "dan"], minutes=0)
    direct = feed.direct("ann", "eve", minutes=1)
    for minute, sender in enumerate(["ann", "bob", "ann", "cat"], start=2):
        feed.post(group, sender, minutes=minute)
    feed.post(direct, "ann", minutes=6)
    feed.deliver(group, "bob", 3)
    feed.read(group, "cat", 2)
    feed.deliver(group, "dan", 4)
    feed.read(group, "dan", 3)
    feed.read(direct, "eve", 1)
    feed.leave(group, "bob", minutes=7)
    rebuilt = backend.read_models()
    feed.replay_into(rebuilt.view)
    assert _everything(rebuilt, feed) == _everything(models, feed)


# -- tracking of membership changes and renames ----------------------------


def test_members_added_at_an_old_position_raises_and_adds_no_one(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    group.add_members("ann", ["cat"], at(1), max_members=10)
    with pytest.raises(AlreadyProjected):
        models.view.members_added(pending(group, Conversation.MembersAdded), feed.history[-1][1])
    assert member_ids(models, group, "ann") == ["ann", "bob"]


def test_member_removed_at_an_old_position_raises_and_keeps_the_member(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    group.remove_member("ann", "bob", at(1))
    with pytest.raises(AlreadyProjected):
        models.view.member_removed(pending(group, Conversation.MemberRemoved), feed.history[-1][1])
    assert models.ask(lambda q: q.is_member(str(group.id), "bob")) is True


def test_member_left_at_an_old_position_raises_and_changes_no_role(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"])
    group.leave("ann", at(1))
    with pytest.raises(AlreadyProjected):
        models.view.member_left(pending(group, Conversation.MemberLeft), feed.history[-1][1])
    seen = seen_by(models, group, "bob")
    assert seen is not None
    assert seen["members"] == [
        {"user_id": "ann", "role": "admin"},
        {"user_id": "bob", "role": "member"},
    ]


def test_group_renamed_at_an_old_position_raises_and_keeps_the_title(
    models: ReadModels, feed: Feed
) -> None:
    group = feed.group("ann", ["bob"], title="Before", minutes=0)
    group.rename("ann", "After", at(1))
    with pytest.raises(AlreadyProjected):
        models.view.group_renamed(pending(group, Conversation.GroupRenamed), feed.history[-1][1])
    seen = seen_by(models, group, "bob")
    assert seen is not None
    assert (seen["title"], seen["updated_at"]) == ("Before", at(0).isoformat())


def test_a_change_to_an_unknown_conversation_returns_nothing_and_records_the_position(
    models: ReadModels, feed: Feed
) -> None:
    unseen = Conversation.create_group(uuid.uuid4(), "ann", "Elsewhere", ["bob"], at(0))
    unseen.collect_events()
    unseen.rename("ann", "Renamed", at(1))
    position = feed.next_position()
    assert models.view.group_renamed(pending(unseen, Conversation.GroupRenamed), position) == {}
    assert models.view.max_tracking_id(position.application_name) == position.notification_id


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


# -- helpers ------------------------------------------------------------------


def _everything(models: ReadModels, feed: Feed) -> object:
    async def collect(q: ConversationQueries) -> object:
        ids = sorted({str(event.originator_id) for event, _ in feed.history if event})
        users = ["ann", "bob", "cat", "dan", "eve"]
        return (
            [await q.inbox(user, 50) for user in users],
            [await q.conversation(cid, user) for cid in ids for user in users],
            [await q.messages(cid, limit=200, viewer=user) for cid in ids for user in users],
            [await q.receipts(cid) for cid in ids],
            models.view.max_tracking_id(TOPIC),
        )

    return models.ask(collect)


# -- holds (parked events) ----------------------------------------------------


def test_a_held_conversation_is_listed_until_an_operator_deletes_it(models: ReadModels) -> None:
    models.view.hold("c-1", "cannot apply", Tracking(f"{TOPIC}.p0", 7))
    assert models.view.held_conversations() == {"c-1"}


def test_holding_records_the_position_of_the_parked_event(models: ReadModels) -> None:
    models.view.hold("c-1", "cannot apply", Tracking(f"{TOPIC}.p0", 7))
    assert models.view.max_tracking_id(f"{TOPIC}.p0") == 7


def test_a_repeated_hold_position_raises_already_projected(models: ReadModels) -> None:
    models.view.hold("c-1", "cannot apply", Tracking(f"{TOPIC}.p0", 7))
    with pytest.raises(AlreadyProjected):
        models.view.hold("c-2", "cannot apply", Tracking(f"{TOPIC}.p0", 7))
    assert models.view.held_conversations() == {"c-1"}
