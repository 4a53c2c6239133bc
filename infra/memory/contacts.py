"""Contacts from the in-memory read model."""

from __future__ import annotations

from collections.abc import Sequence

from infra.memory.chat_view import InMemoryChatView

ALL = 10**9


class InMemoryContacts:
    """Both the projector's ContactDirectory and the edge's Contacts."""

    def __init__(self, view: InMemoryChatView) -> None:
        self._view = view

    def contacts(self, user_id: str) -> Sequence[str]:
        conversations = self._view.inbox_of(user_id, ALL)
        others = {member for c in conversations for member in c["member_ids"]}
        others.discard(user_id)
        return sorted(others)

    async def shares_conversation(self, user_id: str, other_id: str) -> bool:
        return other_id in self.contacts(user_id)
