"""The projector's batches: many events, one transaction where the adapter has them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.persistence import Tracking

from projections.ports import AlreadyProjected
from tests.contract.read_model_fixtures import (
    Backend,
    Feed,
    ReadModels,
    open_backend,
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
