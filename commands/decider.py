"""Decides commands against the conversations of one log partition."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatchmethod
from typing import cast

from eventsourcing.domain import DomainEvent

from commands.auditor_decider import AuditorRoles
from commands.messages import (
    AddMembers,
    AnyCommand,
    AuditCommand,
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
from commands.relationship_commands import RELATIONSHIP_COMMANDS
from commands.relationship_decider import RelationshipBook
from domain.auditor import is_auditor_event
from domain.conversation import Conversation, is_conversation_event
from domain.errors import DomainError, NotAMember
from domain.membership_rules import DEFAULT_MAX_GROUP_SIZE
from domain.rejection import CommandRejected
from domain.relationship import Relationship
from domain.snapshot_codec import Snapshotted

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
    """The conversations, auditor roles and relationships of one partition,
    rebuilt from its events."""

    def __init__(self, settings: DeciderSettings | None = None) -> None:
        self._conversations: dict[uuid.UUID, Conversation] = {}
        self._auditors = AuditorRoles()
        self._relationships = RelationshipBook()
        self._settings = settings or DeciderSettings()

    def __len__(self) -> int:
        return len(self._conversations)

    @property
    def conversations(self) -> Mapping[uuid.UUID, Conversation]:
        return self._conversations

    @property
    def aggregates(self) -> Mapping[uuid.UUID, Snapshotted]:
        """Conversations, auditor roles and relationships, by id: what snapshots hold."""
        return {**self._conversations, **self._auditors.roles, **self._relationships.pairs}

    def adopt(self, aggregate: Snapshotted) -> None:
        """A conversation, auditor role or relationship restored from a snapshot."""
        if isinstance(aggregate, Conversation):
            self._conversations[aggregate.id] = aggregate
        elif isinstance(aggregate, Relationship):
            self._relationships.adopt(aggregate)
        else:
            self._auditors.adopt(aggregate)

    def version_of(self, aggregate_id: uuid.UUID) -> int:
        """The version held of a conversation, auditor role or relationship (0 when none is)."""
        current = self._conversations.get(aggregate_id) or self._auditors.roles.get(aggregate_id)
        if current is None:
            return self._relationships.version_of(aggregate_id)
        return current.version

    def replay(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, event: DomainEvent) -> None:
        """Applies an event of the log; one a snapshot already holds (at or
        below the conversation's version) changes nothing."""
        if self._relationships.apply(event):
            return
        if is_auditor_event(event):
            self._auditors.apply(event)
            return
        if not is_conversation_event(event):
            return  # CommandRejected and other non-aggregate events
        current = self._conversations.get(event.originator_id)
        if current is not None and event.originator_version <= current.version:
            return
        mutated = event.mutate(current)
        if isinstance(mutated, Conversation):
            self._conversations[event.originator_id] = mutated

    def decide(self, command: AnyCommand) -> list[DomainEvent]:
        """The events a command produces (possibly none), applied here."""
        if isinstance(command, RELATIONSHIP_COMMANDS):
            return self._relationships.decide(command)
        if isinstance(command, AuditCommand):
            return self._decide_audit(command)
        existing = self._conversations.get(uuid.UUID(command.conversation_id))
        version = existing.version if existing else 0  # before a failure moves it
        try:
            conversation = self._decide(command, existing, issued_time(command))
        except DomainError as error:
            return [_rejection(command, version, error.code, str(error))]
        except Exception as error:
            rejection = _rejection(command, version, FAILED_CODE, FAILED_REASON)
            raise DecisionFailed(rejection) from error
        if conversation is None:
            return []
        events = [cast(DomainEvent, event) for event in conversation.collect_events()]
        self._conversations[conversation.id] = conversation
        return events

    def _decide_audit(self, command: AuditCommand) -> list[DomainEvent]:
        try:
            return list(self._auditors.decide(command))
        except DomainError:
            return []  # a command whose key does not match its user: nobody to tell

    @singledispatchmethod
    def _decide(
        self, command: Command, existing: Conversation | None, at: datetime
    ) -> Conversation | None:
        raise TypeError(f"no decision for {type(command).__name__}")

    @_decide.register
    def _(
        self, command: StartDirect, existing: Conversation | None, at: datetime
    ) -> Conversation | None:
        pair = self._relationships.between(command.user_id, command.peer_id)
        if pair is not None:
            pair.require_can_start_direct(command.user_id)
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
        self._require_unblocked(conversation, command)
        conversation.post_message(
            command.user_id,
            command.client_msg_id,
            command.message_id,
            command.body,
            at,
            command.attachments,
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
    ) -> Conversation | None:
        conversation = _existing(existing)
        if self._hidden_by_block(conversation, command.user_id):
            return None
        conversation.mark_delivered(command.user_id, command.up_to_seq, at)
        return conversation

    @_decide.register
    def _(
        self, command: MarkRead, existing: Conversation | None, at: datetime
    ) -> Conversation | None:
        conversation = _existing(existing)
        if self._hidden_by_block(conversation, command.user_id):
            return None
        conversation.mark_read(command.user_id, command.up_to_seq, at)
        return conversation

    def _require_unblocked(self, conversation: Conversation, command: SendMessage) -> None:
        """A blocked pair's direct conversation takes no new message (a
        resend of one posted before the block still finds it)."""
        conversation.require_member(command.user_id)
        if command.client_msg_id in conversation.recent_client_ids.get(command.user_id, {}):
            return
        pair = self._relationships.of_direct(conversation)
        if pair is not None:
            pair.require_can_send(command.user_id)

    def _hidden_by_block(self, conversation: Conversation, user_id: str) -> bool:
        """A blocked user's receipts in the direct conversation with its
        blocker decide to nothing: nothing new of it reaches the blocker."""
        conversation.require_member(user_id)
        pair = self._relationships.of_direct(conversation)
        return pair is not None and pair.hides_activity_of(user_id)


def _existing(conversation: Conversation | None) -> Conversation:
    if conversation is None:
        raise NotAMember("no such conversation")
    return conversation


def _rejection(command: Command, version: int, code: str, reason: str) -> CommandRejected:
    return CommandRejected(
        originator_id=uuid.UUID(command.conversation_id),
        originator_version=version,
        timestamp=issued_time(command),
        command_type=type(command).__name__,
        sender=command.user_id,
        client_msg_id=getattr(command, "client_msg_id", None),
        code=code,
        reason=reason,
    )
