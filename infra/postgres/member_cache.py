"""Who is in each conversation, as the chat projection last wrote it: the
audience of a message or receipt without a query per event.

Kept per tracking name (one partition of the events topic): only the
projector that owns a partition writes its conversations' members, and when
a partition is assigned again its entries are forgotten (another projector
may have changed them meanwhile)."""

from __future__ import annotations

from collections.abc import Callable

Load = Callable[[str], list[str]]


class MemberCache:
    def __init__(self, load: Load) -> None:
        self._load = load
        self._by_partition: dict[str, dict[str, list[str]]] = {}

    def members(self, partition: str, conversation_id: str) -> list[str]:
        """The members (user ids in byte order), loaded on a miss."""
        cached = self._by_partition.setdefault(partition, {})
        found = cached.get(conversation_id)
        if found is None:
            found = cached[conversation_id] = self._load(conversation_id)
        return found

    def invalidate(self, partition: str, conversation_id: str) -> None:
        """The conversation's members changed: load them again when next asked."""
        self._by_partition.get(partition, {}).pop(conversation_id, None)

    def forget(self, partition: str | None = None) -> None:
        """Forgets one partition's entries (it was assigned again), or all."""
        if partition is None:
            self._by_partition.clear()
        else:
            self._by_partition.pop(partition, None)
