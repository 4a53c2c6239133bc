"""Decides commands against the conversations of one log partition."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from eventsourcing.domain import DomainEvent

from commands.messages import (
    AddMembers,
    Command,
    CreateGroup,
    MarkDelivered,
    MarkRead,
    RemoveMember,
    RenameGroup,
    SendMessage,
    StartDirect,
    issued_time,
)
from domain.conversation import DEFAULT_MAX_GROUP_SIZE, Conversation, is_conversation_event
from domain.errors import DomainError, NotAMember
from domain.rejection import CommandRejected


@dataclass(frozen=True)
class DeciderSettings:
    max_group_size: int = DEFAULT_MAX_GROUP_SIZE


class PartitionState:
    """The conversations of one partition, rebuilt from its events."""

    def __init__(self, settings: DeciderSettings | None = None) -> None:
        self._conversations: dict[uuid.UUID, Conversation] = {}
        self._settings = settings or DeciderSettings()

    def __len__(self) -> int:
        return len(self._conversations)

    def get(self, conversation_id: uuid.UUID) -> Conversation | None:
        return self._conversations.get(conversation_id)

    def replay(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, event: DomainEvent) -> None:
        if not is_conversation_event(event):
            return  # CommandRejected and other non-aggregate events
        current = self._conversations.get(event.originator_id)
        mutated = event.mutate(current)
        if isinstance(mutated, Conversation):
            self._conversations[event.originator_id] = mutated

    def decide(self, command: Command) -> list[DomainEvent]:
        """The events a command produces (possibly none), applied here."""
        try:
            conversation = self._run(command)
        except DomainError as error:
            return [self._rejection(command, error)]
        if conversation is None:
            return []
        events = [cast(DomainEvent, event) for event in conversation.collect_events()]
        self._conversations[conversation.id] = conversation
        return events

    def _run(self, command: Command) -> Conversation | None:
        at = issued_time(command)
        conversation_id = uuid.UUID(command.conversation_id)
        existing = self._conversations.get(conversation_id)
        if isinstance(command, StartDirect):
            if existing is not None:
                existing.require_member(command.user_id)
                return None  # starting it again changes nothing
            started = Conversation.start_direct(command.user_id, command.peer_id, at)
            if started.id != conversation_id:
                raise NotAMember("the conversation id does not match the two users")
            return started
        if isinstance(command, CreateGroup):
            if existing is not None:
                existing.require_member(command.user_id)
                return None  # a retried create
            return Conversation.create_group(
                conversation_id,
                command.user_id,
                command.title,
                list(command.member_ids),
                at,
                self._settings.max_group_size,
            )
        if existing is None:
            raise NotAMember(f"no conversation {conversation_id}")
        self._change(existing, command, at)
        return existing

    def _change(self, conversation: Conversation, command: Command, at: datetime) -> None:
        actor = command.user_id
        if isinstance(command, SendMessage):
            conversation.post_message(
                actor, command.client_msg_id, command.message_id, command.body, at
            )
        elif isinstance(command, AddMembers):
            conversation.add_members(
                actor, list(command.member_ids), at, self._settings.max_group_size
            )
        elif isinstance(command, RemoveMember):
            conversation.remove_member(actor, command.member_id, at)
        elif isinstance(command, RenameGroup):
            conversation.rename(actor, command.title, at)
        elif isinstance(command, MarkDelivered):
            conversation.mark_delivered(actor, command.up_to_seq, at)
        elif isinstance(command, MarkRead):
            conversation.mark_read(actor, command.up_to_seq, at)

    def _rejection(self, command: Command, error: DomainError) -> CommandRejected:
        conversation_id = uuid.UUID(command.conversation_id)
        existing = self._conversations.get(conversation_id)
        return CommandRejected(
            originator_id=conversation_id,
            originator_version=existing.version if existing else 0,
            timestamp=issued_time(command),
            command_type=type(command).__name__,
            sender=command.user_id,
            client_msg_id=getattr(command, "client_msg_id", None),
            code=error.code,
            reason=str(error),
        )
