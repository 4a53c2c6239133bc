"""What the notifier reads from the other in-memory read models: who is
online (the presence view) and the unread counts (the chat view)."""

from __future__ import annotations

from collections.abc import Sequence

from domain.presence import ONLINE
from infra.memory.chat_view import InMemoryChatView
from infra.memory.presence import InMemoryPresenceView


class InMemoryOnlineStatus:
    def __init__(self, view: InMemoryPresenceView) -> None:
        self._view = view

    def online(self, user_ids: Sequence[str]) -> frozenset[str]:
        return frozenset(
            user_id
            for user_id in user_ids
            if (state := self._view.current(user_id)) is not None and state.status == ONLINE
        )


class InMemoryUnreadCounter:
    def __init__(self, view: InMemoryChatView) -> None:
        self._view = view

    def unread_total(self, user_id: str) -> int:
        with self._view.lock:
            return sum(
                self._view.conversations[conversation_id].unread_count(user_id)
                for conversation_id in self._view.by_user.get(user_id, ())
            )
