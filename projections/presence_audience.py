"""Who hears of a user's presence: its contacts (everyone who shares a
conversation with it) and its friends, but never anyone in a block with it,
either way (PROTOCOL.md: presence is hidden both ways). A ContactDirectory
for the presence projector, over two read models."""

from __future__ import annotations

from collections.abc import Sequence

from projections.friends_ports import FriendGraph
from projections.ports import ContactDirectory


class PresenceAudience:
    def __init__(self, contacts: ContactDirectory, graph: FriendGraph) -> None:
        self._contacts = contacts
        self._graph = graph

    def contacts(self, user_id: str) -> Sequence[str]:
        audience = self._graph.audience(user_id)
        everyone = set(self._contacts.contacts(user_id)) | audience.friends
        return sorted(everyone - audience.hidden - {user_id})
