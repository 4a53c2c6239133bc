"""The Conversation's commands on messages already posted: edit, delete,
react, unreact. Each checks domain.message_rules against the aggregate's
own state (who sent which seq, what is deleted, who reacted with what) and
triggers one chained event with the next ``change_seq``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import message_rules as rules


class MessageChanges:
    """Mixed into Conversation (which provides the state and the chain)."""

    kind: str
    members: dict[str, str]
    senders: list[str]
    deleted: dict[int, str]
    reactions: dict[int, dict[str, list[str]]]
    last_change_seq: int

    def _trigger_chained(
        self, event_class: type[Any], at: datetime, fields: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    def edit_message(self, actor: str, seq: int, body: str, at: datetime) -> None:
        sender = rules.require_visible(self.members, self.senders, self.deleted, actor, seq)
        rules.require_own(sender, actor)
        rules.validate_body(body)
        fields = {"editor": actor, "body": body, "edited_at": at.isoformat()}
        self._trigger_change("MessageEdited", seq, at, fields)

    def delete_message(self, actor: str, seq: int, at: datetime) -> None:
        sender = rules.require_visible(self.members, self.senders, self.deleted, actor, seq)
        rules.require_can_delete(self.kind, self.members, sender, actor)
        fields = {"deleted_by": actor, "deleted_at": at.isoformat()}
        self._trigger_change("MessageDeleted", seq, at, fields)

    def react(self, actor: str, seq: int, emoji: str, at: datetime) -> bool:
        """Adds the actor's reaction; False (nothing happens) if it is there."""
        rules.require_visible(self.members, self.senders, self.deleted, actor, seq)
        rules.validate_emoji(emoji)
        if actor in self.reactions.get(seq, {}).get(emoji, []):
            return False
        self._trigger_change("ReactionAdded", seq, at, {"user_id": actor, "emoji": emoji})
        return True

    def unreact(self, actor: str, seq: int, emoji: str, at: datetime) -> bool:
        """Takes the actor's reaction back; False if there was none."""
        rules.require_visible(self.members, self.senders, self.deleted, actor, seq)
        if actor not in self.reactions.get(seq, {}).get(emoji, []):
            return False
        self._trigger_change("ReactionRemoved", seq, at, {"user_id": actor, "emoji": emoji})
        return True

    def require_replyable(self, actor: str, seq: int) -> None:
        """A reply quotes a message the sender can read."""
        rules.require_visible(self.members, self.senders, self.deleted, actor, seq)

    def _trigger_change(
        self, event_name: str, seq: int, at: datetime, fields: dict[str, Any]
    ) -> None:
        """``event_name``: the aggregate's own class of that event (eventsourcing
        makes one per aggregate class from domain.conversation_events)."""
        change = {"seq": seq, "change_seq": self.last_change_seq + 1, **fields}
        self._trigger_chained(getattr(self, event_name), at, change)
