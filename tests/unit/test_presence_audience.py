"""Who hears of a user's presence: contacts and friends, never a user in a
block with it."""

from __future__ import annotations

from collections.abc import Sequence

from projections.friends_ports import Audience
from projections.presence_audience import PresenceAudience


class Contacts:
    def contacts(self, user_id: str) -> Sequence[str]:
        return ["ben", "cat", "dan"]


class Graph:
    def audience(self, user_id: str) -> Audience:
        return Audience(friends=frozenset({"eve", "ben"}), hidden=frozenset({"cat", "fay"}))


def test_friends_hear_of_presence_too_and_nobody_in_a_block_does() -> None:
    assert PresenceAudience(Contacts(), Graph()).contacts("ann") == ["ben", "dan", "eve"]
