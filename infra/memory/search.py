"""MessageSearch over an InMemoryChatView, with a simple matcher: a message
matches when its body holds every word of the query (lower case, \\w+
words; no stemming, no query syntax)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infra.memory.chat_view import InMemoryChatView
from infra.memory.conversation import ConversationState
from projections.search import SearchHit, SearchPage, page_of, parts_of_words, words


class InMemorySearch:
    def __init__(self, view: InMemoryChatView) -> None:
        self._view = view

    async def search(self, user_id: str, text: str, before: int | None, limit: int) -> SearchPage:
        wanted = set(words(text))
        if not wanted:
            return SearchPage([], None)
        with self._view.lock:
            found = [
                (int(message["message_id"]), conversation.seen_by(message, user_id))
                for conversation in self._conversations_of(user_id)
                for message in _matching(conversation, wanted, before)
            ]
        found.sort(key=lambda item: item[0], reverse=True)
        hits = [SearchHit(seen, parts_of_words(seen["body"], wanted)) for _, seen in found]
        return page_of(hits[: max(limit, 0)], limit)

    def _conversations_of(self, user_id: str) -> Iterator[ConversationState]:
        for conversation_id in self._view.by_user.get(user_id, ()):
            yield self._view.conversations[conversation_id]


def _matching(
    conversation: ConversationState, wanted: set[str], before: int | None
) -> Iterator[dict[str, Any]]:
    for message in conversation.messages:
        if message["seq"] in conversation.deleted_at:
            continue
        if before is not None and int(message["message_id"]) >= before:
            continue
        if wanted <= set(words(message["body"])):
            yield message
