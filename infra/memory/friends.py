"""The friends read models in process memory (embedded mode and tests):
the FriendsView the projection writes, and the FriendGraph, FriendQueries,
Blocks and RelationReads the presence projector and the edge read. One
lock; readers get copies. PostgreSQL's adapters agree (tests/contract)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking

from commands.accounts import User
from domain.relationship import RelationshipState
from infra.memory.accounts import InMemoryAccountStore
from infra.memory.tracking import InMemoryTracking
from projections.friends_ports import Audience
from projections.ports import AlreadyProjected


@dataclass
class Friendship:
    since: datetime
    conversation_id: str | None = None
    last_chat_at: datetime | None = None


@dataclass
class DirectChat:
    users: tuple[str, str]
    last_chat_at: datetime | None = None


def _pair(user_a: str, user_b: str) -> tuple[str, str]:
    first, second = sorted((user_a, user_b))
    return first, second


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _later(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None or moment > current else current


def _handle_order(row: dict[str, Any]) -> bytes:
    handle: str = row["handle"]
    return handle.encode("utf-8")


class InMemoryFriends:
    def __init__(self, accounts: InMemoryAccountStore) -> None:
        self._accounts = accounts
        self._lock = threading.RLock()
        self._tracking = InMemoryTracking()
        self.friendships: dict[str, dict[str, Friendship]] = {}
        self.pending: dict[tuple[str, str], datetime] = {}  # (from, to) -> when
        self.blocked: dict[tuple[str, str], datetime] = {}  # (blocker, blocked) -> when
        self.direct_chats: dict[str, DirectChat] = {}
        self._chats_by_pair: dict[tuple[str, str], str] = {}

    # -- FriendsView ----------------------------------------------------------

    def max_tracking_id(self, application_name: str) -> int | None:
        with self._lock:
            return self._tracking.max_tracking_id(application_name)

    def batch(self) -> AbstractContextManager[None]:
        """Each write applies at once (under the lock): nothing to group."""
        return nullcontext()

    def direct_started(
        self, conversation_id: str, user_ids: Sequence[str], tracking: Tracking
    ) -> None:
        users = _pair(*user_ids)
        with self._tracked(tracking):
            self.direct_chats.setdefault(conversation_id, DirectChat(users))
            self._chats_by_pair[users] = conversation_id
            for user, other in (users, users[::-1]):
                friendship = self.friendships.get(user, {}).get(other)
                if friendship is not None:
                    friendship.conversation_id = conversation_id

    def chatted(self, conversation_id: str, at: datetime, tracking: Tracking) -> None:
        with self._tracked(tracking):
            chat = self.direct_chats.get(conversation_id)
            if chat is None:
                return
            chat.last_chat_at = _later(chat.last_chat_at, at)
            for user, other in (chat.users, chat.users[::-1]):
                friendship = self.friendships.get(user, {}).get(other)
                if friendship is not None:
                    friendship.last_chat_at = _later(friendship.last_chat_at, at)

    def friend_requested(
        self, user_id: str, other_id: str, at: datetime, tracking: Tracking
    ) -> None:
        with self._tracked(tracking):
            self.pending[(user_id, other_id)] = at

    def friends_made(self, user_id: str, other_id: str, at: datetime, tracking: Tracking) -> None:
        with self._tracked(tracking):
            self._drop_requests(user_id, other_id)
            conversation_id = self._chats_by_pair.get(_pair(user_id, other_id))
            chat = self.direct_chats.get(conversation_id) if conversation_id else None
            for user, other in ((user_id, other_id), (other_id, user_id)):
                self.friendships.setdefault(user, {})[other] = Friendship(
                    at, conversation_id, chat.last_chat_at if chat else None
                )

    def request_dropped(self, user_id: str, other_id: str, tracking: Tracking) -> None:
        with self._tracked(tracking):
            self._drop_requests(user_id, other_id)

    def friendship_ended(self, user_id: str, other_id: str, tracking: Tracking) -> None:
        with self._tracked(tracking):
            self._drop_friendship(user_id, other_id)

    def user_blocked(self, user_id: str, other_id: str, at: datetime, tracking: Tracking) -> None:
        with self._tracked(tracking):
            self._drop_friendship(user_id, other_id)
            self._drop_requests(user_id, other_id)
            self.blocked.setdefault((user_id, other_id), at)

    def user_unblocked(self, user_id: str, other_id: str, tracking: Tracking) -> None:
        with self._tracked(tracking):
            self.blocked.pop((user_id, other_id), None)

    def skip(self, tracking: Tracking) -> None:
        with self._tracked(tracking):
            pass

    @contextmanager
    def _tracked(self, tracking: Tracking) -> Iterator[None]:
        with self._lock:
            try:
                self._tracking.check(tracking)
            except IntegrityError as error:
                raise AlreadyProjected(str(error)) from error
            yield
            self._tracking.insert_tracking(tracking)

    def _drop_requests(self, user_id: str, other_id: str) -> None:
        self.pending.pop((user_id, other_id), None)
        self.pending.pop((other_id, user_id), None)

    def _drop_friendship(self, user_id: str, other_id: str) -> None:
        self.friendships.get(user_id, {}).pop(other_id, None)
        self.friendships.get(other_id, {}).pop(user_id, None)

    # -- FriendGraph, Blocks, RelationReads -----------------------------------

    def audience(self, user_id: str) -> Audience:
        with self._lock:
            friends = frozenset(self.friendships.get(user_id, {}))
            hidden = frozenset(
                other
                for blocker, blocked in self.blocked
                if user_id in (blocker, blocked)
                for other in (blocker, blocked)
                if other != user_id
            )
        return Audience(friends, hidden)

    async def blocked_between(self, user_id: str, other_id: str) -> bool:
        with self._lock:
            return (user_id, other_id) in self.blocked or (other_id, user_id) in self.blocked

    async def blockers_of(self, user_id: str, among: Sequence[str]) -> frozenset[str]:
        with self._lock:
            return frozenset(other for other in among if (other, user_id) in self.blocked)

    async def relation(self, user_id: str, other_id: str) -> RelationshipState:
        with self._lock:
            requested_by = next(
                (
                    sender
                    for sender, to in ((user_id, other_id), (other_id, user_id))
                    if (sender, to) in self.pending
                ),
                None,
            )
            blocked_by = frozenset(
                blocker
                for blocker, blocked in ((user_id, other_id), (other_id, user_id))
                if (blocker, blocked) in self.blocked
            )
            friends = other_id in self.friendships.get(user_id, {})
        return RelationshipState(friends, requested_by, blocked_by)

    # -- FriendQueries --------------------------------------------------------

    async def requests(self, user_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with self._lock:
            pending = list(self.pending.items())
        incoming = [(sender, at) for (sender, to), at in pending if to == user_id]
        outgoing = [(to, at) for (sender, to), at in pending if sender == user_id]
        return self._listed(incoming, "requested_at"), self._listed(outgoing, "requested_at")

    async def friends(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = list(self.friendships.get(user_id, {}).items())
        listed = []
        for friend_id, friendship in rows:
            user = self._user(friend_id)
            if user is not None:
                listed.append(
                    {
                        **_user_object(user),
                        "last_chat_at": _text(friendship.last_chat_at),
                        "conversation_id": friendship.conversation_id,
                        "_at": friendship.last_chat_at,
                    }
                )
        listed.sort(key=_chat_order)
        return [{k: v for k, v in row.items() if k != "_at"} for row in listed]

    async def blocks(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            mine = [
                (blocked, at)
                for (blocker, blocked), at in self.blocked.items()
                if blocker == user_id
            ]
        return self._listed(mine, "blocked_at")

    async def search(self, viewer_id: str, prefix: str, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            blockers = {blocker for blocker, blocked in self.blocked if blocked == viewer_id}
        found = [
            _user_object(user)
            for user in self._accounts.users()
            if user.handle.startswith(prefix)
            and user.user_id != viewer_id
            and user.user_id not in blockers
        ]
        found.sort(key=_handle_order)
        return found[:limit]

    async def suggestions(self, viewer_id: str, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            mine = set(self.friendships.get(viewer_id, {}))
            mutual: dict[str, int] = {}
            for friend in mine:
                for candidate in self.friendships.get(friend, {}):
                    mutual[candidate] = mutual.get(candidate, 0) + 1
            in_block = {
                other
                for pair in self.blocked
                if viewer_id in pair
                for other in pair
                if other != viewer_id
            }
        listed = []
        for candidate, count in mutual.items():
            user = self._user(candidate)
            if candidate == viewer_id or candidate in mine or candidate in in_block or not user:
                continue
            listed.append({**_user_object(user), "mutual_friends": count})
        listed.sort(key=_handle_order)
        listed.sort(key=lambda row: row["mutual_friends"], reverse=True)
        return listed[:limit]

    def _listed(self, pairs: list[tuple[str, datetime]], field: str) -> list[dict[str, Any]]:
        """Users with the time ``field``, newest first, ties by handle."""
        listed = []
        for user_id, at in pairs:
            user = self._user(user_id)
            if user is not None:
                listed.append({**_user_object(user), field: _text(at), "_at": at})
        listed.sort(key=_handle_order)
        listed.sort(key=lambda row: row["_at"], reverse=True)
        return [{k: v for k, v in row.items() if k != "_at"} for row in listed]

    def _user(self, user_id: str) -> User | None:
        return self._accounts.user(user_id)


def _chat_order(row: dict[str, Any]) -> tuple[bool, float, bytes]:
    """Most recent chat first, never chatted last, ties by handle."""
    at: datetime | None = row["_at"]
    return (at is None, -at.timestamp() if at else 0.0, _handle_order(row))


def _user_object(user: User) -> dict[str, Any]:
    return {"user_id": user.user_id, "handle": user.handle, "display_name": user.display_name}
