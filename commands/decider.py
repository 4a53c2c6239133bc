"""Decides commands against the conversations of one log partition."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from typing import cast

from eventsourcing.domain import DomainEvent

from commands.messages import (
    AddMembers,
    Command,
    CreateGroup,
    DeleteMessage,
    EditMessage,
    MarkDelivered,
    MarkRead,
    React,
    RemoveMember,
    RenameGroup,
    SendMessage,
    StartDirect,
    Unreact,
    issued_time,
)
from domain.conversation import Conversation, is_conversation_event
from domain.errors import DomainError, NotAMember
from domain.membership_rules import DEFAULT_MAX_GROUP_SIZE
from domain.rejection import CommandRejected

FAILED_CODE = "internal_error"
FAILED_REASON = "the server could not handle this command; it was set aside for an operator"


class DecisionFailed(Exception):
    """Deciding a command raised an unexpected error (a bug, not a rule):
    the conversation's state here may be half changed. ``rejection`` tells
    the sender; the caller must rebuild the partition from the log."""

    def __init__(self, rejection: CommandRejected) -> None:
        super().__init__(rejection.reason)
        self.rejection = rejection


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

    @property
    def conversations(self) -> Mapping[uuid.UUID, Conversation]:
        return self._conversations

    def adopt(self, conversation: Conversation) -> None:
        """A conversation restored from a snapshot."""
        self._conversations[conversation.id] = conversation

    def version_of(self, conversation_id: uuid.UUID) -> int:
        """The version held of a conversation (0 when none is)."""
        current = self._conversations.get(conversation_id)
        return 0 if current is None else current.version

    def replay(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, event: DomainEvent) -> None:
        """Applies an event of the log; one a snapshot already holds (at or
        below the conversation's version) changes nothing."""
        if not is_conversation_event(event):
            return  # CommandRejected and other non-aggregate events
        current = self._conversations.get(event.originator_id)
        if current is not None and event.originator_version <= current.version:
            return
        mutated = event.mutate(current)
        if isinstance(mutated, Conversation):
            self._conversations[event.originator_id] = mutated

    def decide(self, command: Command) -> list[DomainEvent]:
        """The events a command produces (possibly none), applied here."""
        existing = self._conversations.get(uuid.UUID(command.conversation_id))
        try:
            conversation = self._decide(command, existing, issued_time(command))
        except DomainError as error:
            return [_rejection(command, existing, error.code, str(error))]
        except Exception as error:
            rejection = _rejection(command, existing, FAILED_CODE, FAILED_REASON)
            raise DecisionFailed(rejection) from error
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
            reply_to=command.reply_to,
        )
        return conversation

    @_decide.register
    def _(self, command: EditMessage, existing: Conversation | None, at: datetime) -> Conversation:
        conversation = _existing(existing)
        conversation.edit_message(command.user_id, command.seq, command.body, at)
        return conversation

    @_decide.register
    def _(
        self, command: DeleteMessage, existing: Conversation | None, at: datetime
    ) -> Conversation:
        conversation = _existing(existing)
        conversation.delete_message(command.user_id, command.seq, at)
        return conversation

    @_decide.register
    def _(self, command: React, existing: Conversation | None, at: datetime) -> Conversation:
        conversation = _existing(existing)
        conversation.react(command.user_id, command.seq, command.emoji, at)
        return conversation

    @_decide.register
    def _(self, command: Unreact, existing: Conversation | None, at: datetime) -> Conversation:
        conversation = _existing(existing)
        conversation.unreact(command.user_id, command.seq, command.emoji, at)
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
    command: Command, existing: Conversation | None, code: str, reason: str
) -> CommandRejected:
    return CommandRejected(
        originator_id=uuid.UUID(command.conversation_id),
        originator_version=existing.version if existing else 0,
        timestamp=issued_time(command),
        command_type=type(command).__name__,
        sender=command.user_id,
        client_msg_id=getattr(command, "client_msg_id", None),
        code=code,
        reason=reason,
    )
