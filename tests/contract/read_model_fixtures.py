"""Helpers for the read-model contract: adapters under test and an event feed.

A ``Backend`` hands out fresh read models (a view and its queries) and
account stores of one kind, and drives their async methods on one event
loop. ``Feed`` makes real events through the Conversation aggregate and
projects each at the next tracking position, keeping the history so that
a rebuild can project the same events again.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from eventsourcing.persistence import Tracking

from commands.accounts import AccountStore
from domain.conversation import Conversation
from domain.rejection import CommandRejected
from infra.memory.accounts import InMemoryAccountStore
from infra.memory.chat_view import InMemoryChatView
from infra.memory.queries import InMemoryQueries
from infra.memory.search import InMemorySearch
from infra.postgres.accounts import PostgresAccountStore
from infra.postgres.chat_view import PostgresChatView
from infra.postgres.queries import PostgresQueries
from infra.postgres.schema import create_schema
from infra.postgres.search import PostgresSearch
from projections.ports import ChatView
from projections.queries import ConversationQueries
from projections.search import MessageSearch
from tests.support.postgres import drop_schema

T = TypeVar("T")
E = TypeVar("E")
TOPIC = "chat.events.p0"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
FIRST_MESSAGE_ID = 2**62 + 12345  # needs a 64-bit column


BACKENDS = ["memory", "postgres"]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fresh_schema_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@dataclass
class ReadModels:
    view: ChatView
    queries: ConversationQueries
    runner: asyncio.Runner
    search: MessageSearch

    def ask(self, call: Callable[[ConversationQueries], Coroutine[Any, Any, T]]) -> T:
        """Runs one query on the backend's event loop."""
        return self.runner.run(call(self.queries))


class Backend:
    """Fresh read models and account stores of one kind; closes them all."""

    def __init__(self, kind: str, dsn: str) -> None:
        self.kind = kind
        self._dsn = dsn
        self.runner = asyncio.Runner()
        self._cleanups: list[Callable[[], None]] = []

    def read_models(self) -> ReadModels:
        if self.kind == "memory":
            view = InMemoryChatView()
            return ReadModels(view, InMemoryQueries(view), self.runner, InMemorySearch(view))
        schema = self._new_schema()
        pg_view = PostgresChatView.from_dsn(self._dsn, schema)
        self._cleanups.append(pg_view.close)
        queries = PostgresQueries(self._dsn, schema)
        self._open(queries.open, queries.close)
        search = PostgresSearch("", schema, pool=queries.pool)
        return ReadModels(pg_view, queries, self.runner, search)

    def second_view(self, models: ReadModels) -> ChatView:
        """Another view on the same read models (another projector's)."""
        if self.kind == "memory":
            return models.view  # one state in memory: the same view
        assert isinstance(models.view, PostgresChatView)
        other = PostgresChatView.from_dsn(self._dsn, models.view.schema)
        self._cleanups.append(other.close)
        return other

    def account_store(self) -> AccountStore:
        if self.kind == "memory":
            return InMemoryAccountStore()
        store = PostgresAccountStore(self._dsn, self._new_schema())
        self._open(store.open, store.close)
        return store

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coroutine)

    def close(self) -> None:
        for cleanup in reversed(self._cleanups):
            cleanup()
        self.runner.close()

    def _new_schema(self) -> str:
        schema = fresh_schema_name()
        create_schema(self._dsn, schema)
        self._cleanups.append(lambda: drop_schema(self._dsn, schema))
        return schema

    def _open(
        self,
        open_: Callable[[], Coroutine[Any, Any, None]],
        close: Callable[[], Coroutine[Any, Any, None]],
    ) -> None:
        self.runner.run(open_())
        self._cleanups.append(lambda: self.runner.run(close()))


def open_backend(kind: str, dsn: str) -> Iterator[Backend]:
    """For a fixture: ``yield from open_backend(request.param, postgres_dsn)``."""
    backend = Backend(kind, dsn)
    try:
        yield backend
    finally:
        backend.close()


def inbox(models: ReadModels, user_id: str, limit: int = 50) -> list[dict[str, Any]]:
    return models.ask(lambda q: q.inbox(user_id, limit))


def seqs(
    models: ReadModels,
    conversation_id: str,
    *,
    after_seq: int | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> list[int]:
    page = models.ask(
        lambda q: q.messages(
            conversation_id, after_seq=after_seq, before_seq=before_seq, limit=limit
        )
    )
    return [message["seq"] for message in page.messages]


def seen_by(models: ReadModels, conversation: Conversation, user_id: str) -> dict[str, Any] | None:
    """The conversation object as ``user_id`` queries it."""
    return models.ask(lambda q: q.conversation(str(conversation.id), user_id))


def pending(conversation: Conversation, kind: type[E]) -> E:
    """The event the last command made, not projected."""
    event = conversation.collect_events()[-1]
    assert isinstance(event, kind)
    return event


def queried(models: ReadModels, conversation: Conversation, users: list[str]) -> dict[str, Any]:
    return {user: seen_by(models, conversation, user) for user in users}


def member_ids(models: ReadModels, conversation: Conversation, user_id: str) -> list[str]:
    seen = seen_by(models, conversation, user_id)
    assert seen is not None
    ids: list[str] = seen["member_ids"]
    return ids


class Feed:
    """Events from real aggregates, projected at consecutive positions."""

    def __init__(self, view: ChatView, application_name: str = TOPIC) -> None:
        self.view = view
        self.application_name = application_name
        self.history: list[tuple[Any, Tracking]] = []
        self._offsets = itertools.count()
        self._message_ids = itertools.count(FIRST_MESSAGE_ID)

    def next_position(self) -> Tracking:
        return Tracking(self.application_name, next(self._offsets))

    def group(
        self,
        creator: str,
        others: list[str],
        minutes: int = 0,
        title: str = "Team",
        conversation_id: uuid.UUID | None = None,
    ) -> Conversation:
        conversation = Conversation.create_group(
            conversation_id or uuid.uuid4(), creator, title, others, at(minutes)
        )
        self._project(conversation.collect_events()[0])
        return conversation

    def direct(self, user_id: str, peer_id: str, minutes: int = 0) -> Conversation:
        conversation = Conversation.start_direct(user_id, peer_id, at(minutes))
        self._project(conversation.collect_events()[0])
        return conversation

    def post(
        self, conversation: Conversation, sender: str, minutes: int = 1, body: str = "hello"
    ) -> Conversation.MessagePosted:
        event = self.message(conversation, sender, minutes, body)
        self._project(event)
        return event

    def message(
        self, conversation: Conversation, sender: str, minutes: int = 1, body: str = "hello"
    ) -> Conversation.MessagePosted:
        """The next message's event, not projected."""
        message_id = next(self._message_ids)
        conversation.post_message(sender, f"c{message_id}", message_id, body, at(minutes))
        event = conversation.collect_events()[0]
        assert isinstance(event, Conversation.MessagePosted)
        return event

    def add(
        self, conversation: Conversation, actor: str, user_ids: list[str], minutes: int = 2
    ) -> Conversation.MembersAdded:
        conversation.add_members(actor, user_ids, at(minutes), max_members=1000)
        return self._project_last(conversation, Conversation.MembersAdded)

    def remove(
        self, conversation: Conversation, actor: str, user_id: str, minutes: int = 2
    ) -> Conversation.MemberRemoved:
        conversation.remove_member(actor, user_id, at(minutes))
        return self._project_last(conversation, Conversation.MemberRemoved)

    def leave(
        self, conversation: Conversation, user_id: str, minutes: int = 2
    ) -> Conversation.MemberLeft:
        conversation.leave(user_id, at(minutes))
        return self._project_last(conversation, Conversation.MemberLeft)

    def rename(
        self, conversation: Conversation, actor: str, title: str, minutes: int = 2
    ) -> Conversation.GroupRenamed:
        conversation.rename(actor, title, at(minutes))
        return self._project_last(conversation, Conversation.GroupRenamed)

    def deliver(
        self, conversation: Conversation, user_id: str, up_to_seq: int, minutes: int = 3
    ) -> Conversation.MessagesDelivered:
        assert conversation.mark_delivered(user_id, up_to_seq, at(minutes))
        return self._project_last(conversation, Conversation.MessagesDelivered)

    def read(
        self, conversation: Conversation, user_id: str, up_to_seq: int, minutes: int = 3
    ) -> Conversation.MessagesRead:
        assert conversation.mark_read(user_id, up_to_seq, at(minutes))
        return self._project_last(conversation, Conversation.MessagesRead)

    def deliver_pending(
        self, conversation: Conversation, user_id: str, up_to_seq: int
    ) -> Conversation.MessagesDelivered:
        """The next delivered receipt's event, not projected."""
        assert conversation.mark_delivered(user_id, up_to_seq, at(4))
        return pending(conversation, Conversation.MessagesDelivered)

    def read_pending(
        self, conversation: Conversation, user_id: str, up_to_seq: int
    ) -> Conversation.MessagesRead:
        """The next read receipt's event, not projected."""
        assert conversation.mark_read(user_id, up_to_seq, at(4))
        return pending(conversation, Conversation.MessagesRead)

    def skip(self) -> Tracking:
        tracking = self.next_position()
        self.view.skip(tracking)
        self.history.append((None, tracking))
        return tracking

    def reject(self, conversation: Conversation, sender: str) -> Tracking:
        fields: dict[str, Any] = {  # a dict: mypy does not see the event's fields
            "originator_id": conversation.id,
            "originator_version": conversation.version,
            "timestamp": at(9),
            "command_type": "SendMessage",
            "sender": sender,
            "client_msg_id": "c-rejected",
            "code": "not_found",
            "reason": "not a member",
        }
        event = CommandRejected(**fields)
        return self._project(event)

    def replay_into(self, view: ChatView) -> None:
        for event, tracking in self.history:
            project(view, event, tracking)

    def pending_events(self, conversation: Conversation) -> list[Any]:
        """Projects what the last commands on the aggregate made; returns
        what each view call returned."""
        returned = []
        for event in conversation.collect_events():
            tracking = self.next_position()
            returned.append(project(self.view, event, tracking))
            self.history.append((event, tracking))
        return returned

    def _project_last(self, conversation: Conversation, kind: type[E]) -> E:
        event = conversation.collect_events()[-1]
        assert isinstance(event, kind)
        self._project(event)
        return event

    def _project(self, event: Any) -> Tracking:
        tracking = self.next_position()
        project(self.view, event, tracking)
        self.history.append((event, tracking))
        return tracking


def project(view: ChatView, event: Any, tracking: Tracking) -> Any:
    """Calls the view method the projection would call for this event."""
    if isinstance(event, Conversation.Started):
        return view.conversation_started(event, tracking)
    if isinstance(event, Conversation.ReplyPosted):
        return view.reply_posted(event, tracking)
    if isinstance(event, Conversation.MessagePosted):
        return view.message_posted(event, tracking)
    if isinstance(event, Conversation.MessageEdited):
        return view.message_edited(event, tracking)
    if isinstance(event, Conversation.MessageDeleted):
        return view.message_deleted(event, tracking)
    if isinstance(event, Conversation.ReactionAdded):
        return view.reaction_added(event, tracking)
    if isinstance(event, Conversation.ReactionRemoved):
        return view.reaction_removed(event, tracking)
    if isinstance(event, Conversation.MembersAdded):
        return view.members_added(event, tracking)
    if isinstance(event, Conversation.MemberRemoved):
        return view.member_removed(event, tracking)
    if isinstance(event, Conversation.MemberLeft):
        return view.member_left(event, tracking)
    if isinstance(event, Conversation.GroupRenamed):
        return view.group_renamed(event, tracking)
    if isinstance(event, Conversation.MessagesDelivered):
        return view.messages_delivered(event, tracking)
    if isinstance(event, Conversation.MessagesRead):
        return view.messages_read(event, tracking)
    if isinstance(event, CommandRejected):
        return view.command_rejected(event, tracking)
    return view.skip(tracking)
