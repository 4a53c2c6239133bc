"""Hypothesis drives the decider and the read model against a plain model."""

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
    RemoveMember,
    SendMessage,
    StartDirect,
)
from domain.conversation import direct_conversation_id
from domain.rejection import CommandRejected
from infra.memory.chat_view import InMemoryChatView
from infra.memory.fanout import InMemoryFanout
from infra.memory.queries import InMemoryQueries
from projections.chat_projection import ChatProjection

USERS = ["ann", "ben", "cat", "dan", "eve"]
AT = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
MAX_GROUP = 4


@dataclass
class ModelConversation:
    members: dict[str, int]  # user -> read watermark (the seq when they joined)
    admins: set[str]
    is_group: bool
    messages: list[tuple[str, str]] = field(default_factory=list)  # (sender, client id)


class ConversationMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = PartitionState(DeciderSettings(max_group_size=MAX_GROUP))
        self.view = InMemoryChatView()
        self.projection = ChatProjection(self.view, InMemoryFanout())
        self.queries = InMemoryQueries(self.view)
        self.model: dict[str, ModelConversation] = {}
        self.offset = 0
        self.message_ids = 0
        self.rejections = 0

    def _run(self, command: Command) -> list[object]:
        events = self.state.decide(command)
        for event in events:
            self.projection.process_event(event, Tracking("events.p0", self.offset))
            self.offset += 1
        return list(events)

    def _conversation(self, data: st.DataObject) -> tuple[str, ModelConversation]:
        conversation_id = data.draw(st.sampled_from(sorted(self.model)))
        return conversation_id, self.model[conversation_id]

    @rule(pair=st.lists(st.sampled_from(USERS), min_size=2, max_size=2, unique=True))
    def start_direct(self, pair: list[str]) -> None:
        conversation_id = str(direct_conversation_id(*pair))
        self._run(StartDirect(conversation_id, pair[0], pair[1], AT))
        self.model.setdefault(
            conversation_id, ModelConversation({u: 0 for u in pair}, set(), False)
        )

    @rule(creator=st.sampled_from(USERS), others=st.sets(st.sampled_from(USERS), max_size=5))
    def create_group(self, creator: str, others: set[str]) -> None:
        conversation_id = str(uuid.uuid4())
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
    @rule(data=st.data(), sender=st.sampled_from(USERS), client=st.integers(0, 3))
    def send_or_resend(self, data: st.DataObject, sender: str, client: int) -> None:
        conversation_id, model = self._conversation(data)
        self.message_ids += 1
        command = SendMessage(conversation_id, sender, f"c{client}", self.message_ids, "x", AT)
        events = self._run(command)
        if sender not in model.members:
            assert [type(e) for e in events] == [CommandRejected]
        elif (sender, f"c{client}") in model.messages:
            assert events == []
        else:
            model.messages.append((sender, f"c{client}"))

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


ConversationMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30)
test_conversations_follow_the_model = ConversationMachine.TestCase
