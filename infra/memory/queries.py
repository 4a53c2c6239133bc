"""ConversationQueries (and the gateway's Membership) over an
InMemoryChatView's state: copies, read under the view's lock."""

from __future__ import annotations

from typing import Any

from commands.gateway import Roles
from infra.memory.chat_view import InMemoryChatView
from projections.queries import DEFAULT_PAGE, MAX_PAGE, MessagePage


class InMemoryQueries:
    def __init__(self, view: InMemoryChatView) -> None:
        self._view = view

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        with self._view.lock:
            return conversation_id in self._view.by_user.get(user_id, ())

    async def sent_message_id(
        self, conversation_id: str, sender_id: str, client_msg_id: str
    ) -> int | None:
        with self._view.lock:
            conversation = self._view.conversations.get(conversation_id)
            for message in conversation.messages if conversation is not None else ():
                if (message["sender_id"], message["client_msg_id"]) == (sender_id, client_msg_id):
                    return int(message["message_id"])
        return None

    async def roles(self, conversation_id: str, user_id: str) -> Roles | None:
        with self._view.lock:
            if conversation_id not in self._view.by_user.get(user_id, ()):
                return None
            conversation = self._view.conversations[conversation_id]
            members = {user: member.role for user, member in conversation.members.items()}
            return Roles(conversation.kind, members)

    async def conversation(self, conversation_id: str, user_id: str) -> dict[str, Any] | None:
        with self._view.lock:
            if conversation_id not in self._view.by_user.get(user_id, ()):
                return None
            return self._view.conversations[conversation_id].as_seen_by(user_id)

    async def inbox(self, user_id: str, limit: int) -> list[dict[str, Any]]:
        with self._view.lock:
            ids = sorted(self._view.by_user.get(user_id, ()))
            conversations = [self._view.conversations[conversation_id] for conversation_id in ids]
            conversations.sort(key=lambda conversation: conversation.updated_at, reverse=True)
            return [c.as_seen_by(user_id) for c in conversations[: max(limit, 0)]]

    async def messages(
        self,
        conversation_id: str,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int = DEFAULT_PAGE,
        viewer: str | None = None,
    ) -> MessagePage:
        limit = min(max(limit, 0), MAX_PAGE)
        with self._view.lock:
            conversation = self._view.conversations.get(conversation_id)
            if conversation is None:
                return MessagePage(messages=[], last_seq=0)
            messages = conversation.page(after_seq, before_seq, limit, viewer)
            return MessagePage(messages=messages, last_seq=conversation.last_seq)

    async def changed_messages(
        self,
        conversation_id: str,
        after_change_seq: int,
        up_to_seq: int,
        limit: int,
        viewer: str | None = None,
    ) -> list[dict[str, Any]]:
        with self._view.lock:
            conversation = self._view.conversations.get(conversation_id)
            if conversation is None:
                return []
            limit = min(max(limit, 0), MAX_PAGE)
            return conversation.changed_since(after_change_seq, up_to_seq, limit, viewer)

    async def shares_media(self, media_id: str, user_id: str) -> bool:
        """MediaSharing: a member of a conversation with a message carrying it."""
        with self._view.lock:
            for conversation_id in self._view.by_user.get(user_id, ()):
                messages = self._view.conversations[conversation_id].messages
                for message in messages:
                    if any(a["media_id"] == media_id for a in message.get("attachments", ())):
                        return True
        return False

    async def media_in_messages(self, media_ids: list[str]) -> set[str]:
        """MediaSharing: those of the media that some message carries."""
        wanted = set(media_ids)
        with self._view.lock:
            carried = {
                attachment["media_id"]
                for conversation in self._view.conversations.values()
                for message in conversation.messages
                for attachment in message.get("attachments", ())
            }
        return wanted & carried

    async def receipts(self, conversation_id: str) -> list[dict[str, Any]]:
        with self._view.lock:
            conversation = self._view.conversations.get(conversation_id)
            return [] if conversation is None else conversation.receipts()
