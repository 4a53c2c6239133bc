"""AccountStore in process memory (embedded mode and tests)."""

from __future__ import annotations

import threading

from commands.accounts import Session, User


class InMemoryAccountStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, tuple[User, str]] = {}
        self._user_ids_by_handle: dict[str, str] = {}
        self._sessions: dict[str, Session] = {}

    async def add_user(self, user: User, password_hash: str) -> bool:
        with self._lock:
            if user.handle in self._user_ids_by_handle:
                return False
            self._user_ids_by_handle[user.handle] = user.user_id
            self._users[user.user_id] = (user, password_hash)
            return True

    async def user_by_handle(self, handle: str) -> tuple[User, str] | None:
        with self._lock:
            user_id = self._user_ids_by_handle.get(handle)
            return None if user_id is None else self._users[user_id]

    async def user_by_id(self, user_id: str) -> User | None:
        with self._lock:
            found = self._users.get(user_id)
            return None if found is None else found[0]

    def user(self, user_id: str) -> User | None:
        """The same read as user_by_id, from any thread."""
        with self._lock:
            found = self._users.get(user_id)
            return None if found is None else found[0]

    def users(self) -> list[User]:
        """Every user (the in-memory directory's search scans them)."""
        with self._lock:
            return [user for user, _ in self._users.values()]

    async def add_session(self, token_hash: str, session: Session) -> None:
        with self._lock:
            self._sessions[token_hash] = session

    async def session(self, token_hash: str) -> Session | None:
        with self._lock:
            return self._sessions.get(token_hash)

    async def remove_session(self, token_hash: str) -> Session | None:
        with self._lock:
            return self._sessions.pop(token_hash, None)
