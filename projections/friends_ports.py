"""Ports of the friends projection: its view (friendships both ways with
the pair's direct conversation and ``last_chat_at``, pending requests,
blocks), written with its tracking position; the graph as the presence
projector reads it; and the queries the HTTP API reads."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from eventsourcing.persistence import Tracking

from domain.relationship import RelationshipState

DEFAULT_SEARCH = 20
MAX_SEARCH = 50
MIN_PREFIX = 2


class FriendsView(Protocol):
    """Every write records its tracking position in the same transaction and
    raises AlreadyProjected for a position the view holds already."""

    def max_tracking_id(self, application_name: str) -> int | None: ...

    def batch(self) -> AbstractContextManager[None]:
        """One transaction for the block (reads inside it see its writes)."""
        ...

    def direct_started(
        self, conversation_id: str, user_ids: Sequence[str], tracking: Tracking
    ) -> None:
        """A direct conversation of these two users exists (friends or not)."""
        ...

    def chatted(self, conversation_id: str, at: datetime, tracking: Tracking) -> None:
        """A message was posted at ``at``: moves ``last_chat_at`` of a direct
        conversation (and of its pair's friendship) forward, never back;
        a group's message changes nothing."""
        ...

    def friend_requested(
        self, user_id: str, other_id: str, at: datetime, tracking: Tracking
    ) -> None: ...

    def friends_made(self, user_id: str, other_id: str, at: datetime, tracking: Tracking) -> None:
        """The pending request between them goes; both adjacency rows come,
        with their direct conversation and its ``last_chat_at`` if any."""
        ...

    def request_dropped(self, user_id: str, other_id: str, tracking: Tracking) -> None:
        """Declined or cancelled: the pair's pending request goes."""
        ...

    def friendship_ended(self, user_id: str, other_id: str, tracking: Tracking) -> None: ...

    def user_blocked(self, user_id: str, other_id: str, at: datetime, tracking: Tracking) -> None:
        """``user_id`` blocked ``other_id``: their friendship and any pending
        request between them go."""
        ...

    def user_unblocked(self, user_id: str, other_id: str, tracking: Tracking) -> None: ...

    def skip(self, tracking: Tracking) -> None:
        """Records the position of an event this view does not use."""
        ...


@dataclass(frozen=True)
class Audience:
    """Who a user's presence concerns besides its contacts."""

    friends: frozenset[str]
    hidden: frozenset[str]
    """Users in a block with it, either way: they never see each other's presence."""


class FriendGraph(Protocol):
    """The graph as the presence projector reads it (sync)."""

    def audience(self, user_id: str) -> Audience: ...


class FriendQueries(Protocol):
    """What the HTTP API reads. Users are ``{"user_id", "handle",
    "display_name"}`` plus the fields each method names; times are ISO 8601."""

    async def relation(self, user_id: str, other_id: str) -> RelationshipState: ...

    async def requests(self, user_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(incoming, outgoing) pending requests, with ``requested_at``, newest first."""
        ...

    async def friends(self, user_id: str) -> list[dict[str, Any]]:
        """With ``last_chat_at`` and ``conversation_id`` (the direct
        conversation, or None): most recent chat first, never chatted last,
        ties by handle."""
        ...

    async def blocks(self, user_id: str) -> list[dict[str, Any]]:
        """Whom the user blocked, with ``blocked_at``, newest first."""
        ...

    async def search(self, viewer_id: str, prefix: str, limit: int) -> list[dict[str, Any]]:
        """Handles starting with ``prefix`` (lower case), by handle, never the
        viewer nor users who blocked the viewer."""
        ...

    async def suggestions(self, viewer_id: str, limit: int) -> list[dict[str, Any]]:
        """Friends of friends with ``mutual_friends``, most first (ties by
        handle), never the viewer, its friends, nor users in a block with it."""
        ...
