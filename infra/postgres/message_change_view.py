"""The PostgresChatView's writes of replies, edits, deletions and
reactions (mixed into it): each one statement after the grouped writes
before it, then the message as everyone sees it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from eventsourcing.persistence import Tracking

from domain.conversation import Conversation
from infra.postgres.member_cache import MemberCache
from infra.postgres.message_changes import ChangeStatements
from infra.postgres.queries import message_from_row
from infra.postgres.view_batch import PostedRow, ViewBatch
from projections.ports import Audience
from projections.wire import attachments_json

T = TypeVar("T")


def _at(text: str) -> datetime:
    """An event's ISO 8601 time as an aware UTC datetime (naive means UTC)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class MessageChangeWrites:
    _changes: ChangeStatements
    _members: MemberCache

    def _write(self, tracking: Tracking, write: Callable[[ViewBatch], T]) -> T:
        raise NotImplementedError

    def reply_posted(self, event: Conversation.ReplyPosted, tracking: Tracking) -> Audience:
        conversation_id = str(event.originator_id)
        params = {"conversation_id": conversation_id, "seq": event.seq, "reply_to": event.reply_to}
        row = PostedRow(
            conversation_id,
            event.seq,
            event.message_id,
            event.sender,
            event.body,
            event.client_msg_id,
            _at(event.sent_at),
            json.dumps(attachments_json(event)),
        )

        def reply(batch: ViewBatch) -> Audience:
            batch.post(row)
            members = self._members.members(tracking.application_name, row.conversation_id)
            batch.flush()
            batch.curs.execute(self._changes.reply, params)
            return Audience(members, self._message(batch, params))

        return self._write(tracking, reply)

    def message_edited(self, event: Conversation.MessageEdited, tracking: Tracking) -> Audience:
        extra = {"body": event.body, "at": _at(event.edited_at)}
        return self._change_message(event, tracking, self._changes.edit, extra)

    def message_deleted(self, event: Conversation.MessageDeleted, tracking: Tracking) -> Audience:
        extra = {"at": _at(event.deleted_at)}
        return self._change_message(
            event, tracking, self._changes.delete, extra, self._changes.drop_reactions
        )

    def reaction_added(self, event: Conversation.ReactionAdded, tracking: Tracking) -> Audience:
        extra = {"user_id": event.user_id, "emoji": event.emoji}
        return self._change_message(
            event, tracking, self._changes.touch, extra, self._changes.add_reaction
        )

    def reaction_removed(self, event: Conversation.ReactionRemoved, tracking: Tracking) -> Audience:
        extra = {"user_id": event.user_id, "emoji": event.emoji}
        return self._change_message(
            event, tracking, self._changes.touch, extra, self._changes.remove_reaction
        )

    def _change_message(
        self,
        event: Conversation.MessageChange,
        tracking: Tracking,
        statement: Any,
        extra: dict[str, Any],
        then: Any = None,
    ) -> Audience:
        conversation_id = str(event.originator_id)
        params = {
            "conversation_id": conversation_id,
            "seq": event.seq,
            "change_seq": event.change_seq,
            **extra,
        }

        def change(batch: ViewBatch) -> Audience:
            batch.flush()
            batch.curs.execute(statement, params)
            if batch.curs.fetchone() is None:
                return Audience([], None)  # unknown message, or applied already
            if then is not None:
                batch.curs.execute(then, params)
            members = self._members.members(tracking.application_name, conversation_id)
            return Audience(members, self._message(batch, params))

        return self._write(tracking, change)

    def _message(self, batch: ViewBatch, params: dict[str, Any]) -> dict[str, Any] | None:
        batch.curs.execute(self._changes.one_message, params)
        row = batch.curs.fetchone()
        return None if row is None else message_from_row(row)
