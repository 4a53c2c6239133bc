"""Hypothesis drives the decider and the read model against a plain model:
membership, sends, and edits, deletions, reactions and replies. What every
member reads (history, inbox, search) must be the model's fold of the
events; a deleted body must appear in no read model; search finds only
what the searcher can read."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eventsourcing.persistence import Tracking
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from commands.decider import DeciderSettings, PartitionState
from commands.messages import (
    AddMembers,
    Command,
    CreateGroup,
    DeleteMessage,
    EditMessage,
    React,
    RemoveMember,
    SendMessage,
    StartDirect,
    Unreact,
)
from domain.conversation import direct_conversation_id
from domain.rejection import CommandRejected
from infra.memory.chat_view import InMemoryChatView
from infra.memory.fanout import InMemoryFanout
from infra.memory.queries import InMemoryQueries
from infra.memory.search import InMemorySearch
from projections.chat_projection import ChatProjection

USERS = ["ann", "ben", "cat", "dan", "eve"]
AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
MAX_GROUP = 4
EMOJIS = ["👍", "🎉"]
MAX_CONVERSATIONS = 3  # few, so that steps go to messages and their changes


@dataclass
class ModelConversation:
    members: dict[str, int]  # user -> read watermark (the seq when they joined)
    admins: set[str]
    is_group: bool
    messages: list[tuple[str, str]] = field(default_factory=list)  # (sender, client id)
    bodies: dict[int, str] = field(default_factory=dict)  # seq -> current body
    deleted: dict[int, str] = field(default_factory=dict)  # seq -> the body it had
    reactions: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    replies: dict[int, int] = field(default_factory=dict)  # reply seq -> original seq


class ConversationMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = PartitionState(DeciderSettings(max_group_size=MAX_GROUP))
        self.view = InMemoryChatView()
        self.projection = ChatProjection(self.view, InMemoryFanout())
        self.queries = InMemoryQueries(self.view)
        self.search = InMemorySearch(self.view)
        self.model: dict[str, ModelConversation] = {}
        self.offset = 0
        self.message_ids = 0
        self.rejections = 0
        self.groups = 0

    def _run(self, command: Command) -> list[object]:
        events = self.state.decide(command)
        for event in events:
            self.projection.process_event(event, Tracking("events.p0", self.offset))
            self.offset += 1
        return list(events)

    def _conversation(self, data: st.DataObject) -> tuple[str, ModelConversation]:
        conversation_id = data.draw(st.sampled_from(sorted(self.model)))
        return conversation_id, self.model[conversation_id]

    @precondition(lambda self: len(self.model) < MAX_CONVERSATIONS)
    @rule(pair=st.lists(st.sampled_from(USERS), min_size=2, max_size=2, unique=True))
    def start_direct(self, pair: list[str]) -> None:
        conversation_id = str(direct_conversation_id(*pair))
        self._run(StartDirect(conversation_id, pair[0], pair[1], AT))
        self.model.setdefault(
            conversation_id, ModelConversation({u: 0 for u in pair}, set(), False)
        )

    @precondition(lambda self: len(self.model) < MAX_CONVERSATIONS)
    @rule(creator=st.sampled_from(USERS), others=st.sets(st.sampled_from(USERS), max_size=5))
    def create_group(self, creator: str, others: set[str]) -> None:
        self.groups += 1  # ids in order, so that a replayed example draws the same
        conversation_id = str(uuid.UUID(int=self.groups))
        events = self._run(CreateGroup(conversation_id, creator, "g", tuple(sorted(others)), AT))
        joined = [*sorted(others - {creator}), creator]  # the aggregate's join order
        if len(joined) > MAX_GROUP:
            assert isinstance(events[0], CommandRejected)
            return
        self.model[conversation_id] = ModelConversation({u: 0 for u in joined}, {creator}, True)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), actor=st.sampled_from(USERS), added=st.sampled_from(USERS))
    def add_member(self, data: st.DataObject, actor: str, added: str) -> None:
        conversation_id, model = self._conversation(data)
        events = self._run(AddMembers(conversation_id, actor, (added,), AT))
        allowed = model.is_group and actor in model.admins
        if allowed and added not in model.members and len(model.members) < MAX_GROUP:
            model.members[added] = len(model.messages)
        elif not allowed or (added not in model.members and len(model.members) >= MAX_GROUP):
            assert [type(e) for e in events] == [CommandRejected]

    @precondition(lambda self: self.model)
    @rule(data=st.data(), actor=st.sampled_from(USERS), removed=st.sampled_from(USERS))
    def remove_member(self, data: st.DataObject, actor: str, removed: str) -> None:
        conversation_id, model = self._conversation(data)
        events = self._run(RemoveMember(conversation_id, actor, removed, AT))
        leaving = actor == removed and actor in model.members and model.is_group
        removing = model.is_group and actor in model.admins and removed in model.members
        if not (leaving or removing):
            assert [type(e) for e in events] == [CommandRejected]
            return
        del model.members[removed]
        model.admins.discard(removed)
        if not model.admins and model.members:
            model.admins.add(next(iter(model.members)))  # the longest-standing member

    @precondition(lambda self: self.model)
    @rule(data=st.data(), client=st.integers(0, 3), reply_to=st.none() | st.integers(1, 4))
    def send_or_resend(self, data: st.DataObject, client: int, reply_to: int | None) -> None:
        conversation_id, model = self._conversation(data)
        sender = self._actor(data, model)
        self.message_ids += 1
        body = f"word b{self.message_ids}x"  # no body is a part of another
        command = SendMessage(
            conversation_id, sender, f"c{client}", self.message_ids, body, AT, reply_to=reply_to
        )
        events = self._run(command)
        readable = reply_to is None or (
            reply_to <= len(model.messages) and reply_to not in model.deleted
        )
        if sender not in model.members:
            assert [type(e) for e in events] == [CommandRejected]
        elif (sender, f"c{client}") in model.messages:
            assert events == []
        elif not readable:
            assert [type(e) for e in events] == [CommandRejected]
        else:
            model.messages.append((sender, f"c{client}"))
            model.bodies[len(model.messages)] = body
            if reply_to is not None:
                model.replies[len(model.messages)] = reply_to

    def _actor(self, data: st.DataObject, model: ModelConversation) -> str:
        """Mostly a member (changes need one), sometimes anyone."""
        members = sorted(model.members)
        if members and data.draw(st.integers(0, 4)) > 0:
            member: str = data.draw(st.sampled_from(members))
            return member
        return data.draw(st.sampled_from(USERS))

    def _changeable(self, model: ModelConversation, actor: str, seq: int) -> bool:
        return actor in model.members and seq <= len(model.messages) and seq not in model.deleted

    @precondition(lambda self: self.model)
    @rule(data=st.data(), seq=st.integers(1, 4))
    def edit(self, data: st.DataObject, seq: int) -> None:
        conversation_id, model = self._conversation(data)
        actor = self._actor(data, model)
        self.message_ids += 1
        body = f"word e{self.message_ids}x"
        events = self._run(EditMessage(conversation_id, actor, seq, body, AT))
        if self._changeable(model, actor, seq) and model.messages[seq - 1][0] == actor:
            model.bodies[seq] = body
        else:
            assert [type(e) for e in events] == [CommandRejected]

    @precondition(lambda self: self.model)
    @rule(data=st.data(), seq=st.integers(1, 4))
    def delete(self, data: st.DataObject, seq: int) -> None:
        conversation_id, model = self._conversation(data)
        actor = self._actor(data, model)
        events = self._run(DeleteMessage(conversation_id, actor, seq, AT))
        if self._changeable(model, actor, seq) and (
            model.messages[seq - 1][0] == actor or actor in model.admins
        ):
            model.deleted[seq] = model.bodies.pop(seq)
            model.reactions.pop(seq, None)
        else:
            assert [type(e) for e in events] == [CommandRejected]

    @precondition(lambda self: self.model)
    @rule(data=st.data(), seq=st.integers(1, 4), emoji=st.sampled_from(EMOJIS), add=st.booleans())
    def react_or_unreact(self, data: st.DataObject, seq: int, emoji: str, add: bool) -> None:
        conversation_id, model = self._conversation(data)
        actor = self._actor(data, model)
        command = (React if add else Unreact)(conversation_id, actor, seq, emoji, AT)
        events = self._run(command)
        if not self._changeable(model, actor, seq):
            assert [type(e) for e in events] == [CommandRejected]
            return
        users = model.reactions.setdefault(seq, {}).setdefault(emoji, [])
        if add and actor not in users:
            users.append(actor)
        elif not add and actor in users:
            users.remove(actor)
        else:
            assert events == []
        if not users:
            del model.reactions[seq][emoji]
        if not model.reactions[seq]:
            del model.reactions[seq]

    @invariant()
    def sequences_are_gapless_and_messages_unique(self) -> None:
        for conversation_id, model in self.model.items():
            page = asyncio.run(self.queries.messages(conversation_id, after_seq=0, limit=200))
            assert [m["seq"] for m in page.messages] == list(range(1, len(model.messages) + 1))
            keys = [(m["sender_id"], m["client_msg_id"]) for m in page.messages]
            assert keys == model.messages

    @invariant()
    def only_members_read_and_unread_counts_match(self) -> None:
        for conversation_id, model in self.model.items():
            for user in USERS:
                found = asyncio.run(self.queries.conversation(conversation_id, user))
                if user not in model.members:
                    assert found is None
                    continue
                assert found is not None
                joined = model.members[user]
                unread = sum(1 for sender, _ in model.messages[joined:] if sender != user)
                assert found["unread_count"] == unread
                assert sorted(found["member_ids"]) == sorted(model.members)

    @invariant()
    def members_read_the_fold_of_the_events(self) -> None:
        for conversation_id, model in self.model.items():
            page = asyncio.run(self.queries.messages(conversation_id, after_seq=0, limit=200))
            for message in page.messages:
                seq = message["seq"]
                assert message["deleted"] == (seq in model.deleted)
                assert message["body"] == model.bodies.get(seq, "")
                reactions = {r["emoji"]: r["user_ids"] for r in message["reactions"]}
                assert reactions == model.reactions.get(seq, {})
                original = None if seq in model.deleted else model.replies.get(seq)
                quote = message["reply_to"]
                if original is None:
                    assert quote is None
                else:
                    assert (quote["seq"], quote["body"]) == (
                        original,
                        model.bodies.get(original, ""),
                    )

    @invariant()
    def deleted_bodies_appear_in_no_read_model(self) -> None:
        gone = [body for model in self.model.values() for body in model.deleted.values()]
        if not gone:
            return
        for user in USERS:
            seen = repr(asyncio.run(self.queries.inbox(user, 100)))
            for conversation_id in self.model:
                page = asyncio.run(self.queries.messages(conversation_id, after_seq=0, limit=200))
                seen += repr(page.messages)
            for body in gone:
                assert body not in seen
                assert asyncio.run(self.search.search(user, body, None, 50)).hits == []

    @invariant()
    def search_finds_only_what_the_searcher_can_read(self) -> None:
        for user in USERS:
            found = asyncio.run(self.search.search(user, "word", None, 50)).hits
            readable = {
                (conversation_id, seq)
                for conversation_id, model in self.model.items()
                if user in model.members
                for seq in model.bodies
            }
            hits = {(hit.message["conversation_id"], hit.message["seq"]) for hit in found}
            assert hits <= readable
            assert len(hits) == min(len(readable), 50)


ConversationMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40)
test_conversations_follow_the_model = ConversationMachine.TestCase
