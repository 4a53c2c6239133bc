"""Decides commands against the conversations of one log partition."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
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
from domain.conversation import Conversation, is_conversation_event
from domain.errors import DomainError, NotAMember
from domain.membership_rules import DEFAULT_MAX_GROUP_SIZE
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
        existing = self._conversations.get(uuid.UUID(command.conversation_id))
        try:
            conversation = self._decide(command, existing, issued_time(command))
        except DomainError as error:
            return [_rejection(command, existing, error)]
        if conversation is None:
            return []
        events = [cast(DomainEvent, event) for event in conversation.collect_events()]
        self._conversations[conversation.id] = conversation
        return events

    @singledispatchmethod
    def _decide(
        self, command: Command, existing: Conversation | None, at: datetime
    ) -> Conversation | None:
        raise TypeError(f"no decision for {type(command).__name__}")

    @_decide.register
    def _(
        self, command: StartDirect, existing: Conversation | None, at: datetime
    ) -> Conversation | None:
        if existing is not None:
            existing.require_member(command.user_id)
            return None  # starting it again changes nothing
        started = Conversation.start_direct(command.user_id, command.peer_id, at)
        if started.id != uuid.UUID(command.conversation_id):
            raise NotAMember("the conversation id does not match the two users")
        return started

    @_decide.register
    def _(
        self, command: CreateGroup, existing: Conversation | None, at: datetime
    ) -> Conversation | None:
        if existing is not None:
            existing.require_member(command.user_id)
            return None  # a retried create
        return Conversation.create_group(
            uuid.UUID(command.conversation_id),
            command.user_id,
            command.title,
            list(command.member_ids),
            at,
            self._settings.max_group_size,
        )

    @_decide.register
    def _(self, command: SendMessage, existing: Conversation | None, at: datetime) -> Conversation:
        conversation = _existing(existing)
        conversation.post_message(
            command.user_id,
            command.client_msg_id,
            command.message_id,
            command.body,
            at,
            command.attachments,
        )
        return conversation

    @_decide.register
    def _(self, command: AddMembers, existing: Conversation | None, at: datetime) -> Conversation:
        conversation = _existing(existing)
        conversation.add_members(
            command.user_id, list(command.member_ids), at, self._settings.max_group_size
        )
        return conversation

    @_decide.register
    def _(self, command: RemoveMember, existing: Conversation | None, at: datetime) -> Conversation:
        conversation = _existing(existing)
        conversation.remove_member(command.user_id, command.member_id, at)
        return conversation

    @_decide.register
    def _(self, command: RenameGroup, existing: Conversation | None, at: datetime) -> Conversation:
        conversation = _existing(existing)
        conversation.rename(command.user_id, command.title, at)
        return conversation

    @_decide.register
    def _(
        self, command: MarkDelivered, existing: Conversation | None, at: datetime
    ) -> Conversation:
        conversation = _existing(existing)
        conversation.mark_delivered(command.user_id, command.up_to_seq, at)
        return conversation

    @_decide.register
    def _(self, command: MarkRead, existing: Conversation | None, at: datetime) -> Conversation:
        conversation = _existing(existing)
        conversation.mark_read(command.user_id, command.up_to_seq, at)
        return conversation


def _existing(conversation: Conversation | None) -> Conversation:
    if conversation is None:
        raise NotAMember("no such conversation")
    return conversation


def _rejection(
    command: Command, existing: Conversation | None, error: DomainError
) -> CommandRejected:
    return CommandRejected(
        originator_id=uuid.UUID(command.conversation_id),
        originator_version=existing.version if existing else 0,
        timestamp=issued_time(command),
        command_type=type(command).__name__,
        sender=command.user_id,
        client_msg_id=getattr(command, "client_msg_id", None),
        code=error.code,
        reason=str(error),
    )
