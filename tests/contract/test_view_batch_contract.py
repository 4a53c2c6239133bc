"""The projector's batches: many events, one transaction where the adapter has them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.persistence import Tracking

from domain.conversation import Conversation
from projections.ports import AlreadyProjected
from tests.contract.read_model_fixtures import (
    Backend,
    Feed,
    ReadModels,
    at,
    open_backend,
    pending,
    project,
    seqs,
)


def test_every_event_of_a_batch_is_visible_after_it(models: ReadModels, feed: Feed) -> None:
    chat = feed.direct("ann", "bob")
    messages = [feed.message(chat, "ann", minutes=n) for n in range(1, 4)]
    with models.view.batch():
        for message in messages:
            project(models.view, message, feed.next_position())
    assert seqs(models, str(chat.id)) == [1, 2, 3]


def test_a_repeated_position_in_a_batch_skips_that_event_only(
    models: ReadModels, feed: Feed
) -> None:
    chat = feed.direct("ann", "bob")
    first, second = feed.message(chat, "ann"), feed.message(chat, "ann", minutes=2)
    position = feed.next_position()
    with models.view.batch():
        project(models.view, first, position)
        with pytest.raises(AlreadyProjected):
            project(models.view, first, position)
        project(models.view, second, feed.next_position())
    assert seqs(models, str(chat.id)) == [1, 2]


@pytest.fixture
def postgres_backend(postgres_dsn: str) -> Iterator[Backend]:
    yield from open_backend("postgres", postgres_dsn)


def test_a_failed_batch_writes_nothing_in_postgresql(postgres_backend: Backend) -> None:
    """PostgreSQL only: the in-memory view applies each write at once, by its contract."""
    models = postgres_backend.read_models()
    batch_feed = Feed(models.view)
    chat = batch_feed.direct("ann", "bob")
    message = batch_feed.message(chat, "ann")
    position = batch_feed.next_position()
    with pytest.raises(RuntimeError), models.view.batch():
        project(models.view, message, position)
        raise RuntimeError("the projector died mid-batch")
    assert seqs(models, str(chat.id)) == []
    assert models.view.max_tracking_id(position.application_name) == position.notification_id - 1


def test_positions_recorded_in_a_batch_are_where_a_restart_begins(
    models: ReadModels, feed: Feed
) -> None:
    chat = feed.direct("ann", "bob")
    with models.view.batch():
        for minutes in (1, 2):
            project(models.view, feed.message(chat, "ann", minutes), feed.next_position())
    last: Tracking = feed.next_position()
    assert models.view.max_tracking_id(last.application_name) == last.notification_id - 1


def test_a_change_after_messages_in_one_batch_sees_them(models: ReadModels, feed: Feed) -> None:
    team = feed.group("ann", ["bob"])
    first, second = feed.message(team, "ann", minutes=1), feed.message(team, "ann", minutes=2)
    team.add_members("ann", ["cat"], at(3), max_members=100)
    added = pending(team, Conversation.MembersAdded)
    with models.view.batch():
        project(models.view, first, feed.next_position())
        project(models.view, second, feed.next_position())
        per_member = project(models.view, added, feed.next_position())
    assert per_member["bob"]["unread_count"] == 2
    assert per_member["bob"]["last_message"]["seq"] == 2
    assert per_member["cat"]["unread_count"] == 0


def test_receipts_in_one_batch_end_at_the_highest_watermarks(
    models: ReadModels, feed: Feed
) -> None:
    chat = feed.direct("ann", "bob")
    for minutes in (1, 2, 3):
        feed.post(chat, "ann", minutes)
    delivered = feed.deliver_pending(chat, "bob", 3)
    read = feed.read_pending(chat, "bob", 2)
    with models.view.batch():
        project(models.view, delivered, feed.next_position())
        project(models.view, read, feed.next_position())
    receipts = models.ask(lambda q: q.receipts(str(chat.id)))
    assert {"user_id": "bob", "delivered_seq": 3, "read_seq": 2} in receipts


def test_a_message_after_another_view_changed_the_members_reaches_who_is_in_now(
    backend: Backend, models: ReadModels, feed: Feed
) -> None:
    team = feed.group("ann", ["bob", "cat"])
    assert sorted(project(models.view, feed.message(team, "ann"), feed.next_position())) == [
        "ann",
        "bob",
        "cat",
    ]
    other = backend.second_view(models)
    team.remove_member("ann", "cat", at(2))
    project(other, pending(team, Conversation.MemberRemoved), feed.next_position())
    models.view.forget(feed.application_name)  # the partition came back to this view
    audience = project(models.view, feed.message(team, "ann", minutes=3), feed.next_position())
    assert sorted(audience) == ["ann", "bob"]


def test_holds_read_inside_a_batch_include_one_another_view_committed(
    backend: Backend, models: ReadModels, feed: Feed
) -> None:
    chat = feed.direct("ann", "bob")
    other = backend.second_view(models)
    other.hold(str(chat.id), "cannot apply", feed.next_position())
    with models.view.batch():
        project(models.view, feed.message(chat, "ann"), feed.next_position())
        held = models.view.held_conversations()
    assert held == {str(chat.id)}
