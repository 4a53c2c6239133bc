"""Contacts from the in-memory read model."""

from __future__ import annotations

from collections.abc import Sequence

from infra.memory.chat_view import InMemoryChatView


class InMemoryContacts:
    """Both the projector's ContactDirectory and the edge's Contacts."""

    def __init__(self, view: InMemoryChatView) -> None:
        self._view = view

    def contacts(self, user_id: str) -> Sequence[str]:
        with self._view.lock:
            conversations = self._view.by_user.get(user_id, set())
            others = {
                member
                for conversation_id in conversations
                for member in self._view.conversations[conversation_id].members
            }
        others.discard(user_id)
        return sorted(others)

    async def shares_conversation(self, user_id: str, other_id: str) -> bool:
        return other_id in self.contacts(user_id)
