"""Accounts and sessions: Argon2id password hashes, opaque tokens stored hashed.

Nothing here goes on the log.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from commands.limits import Bucket, RateLimiter, require_token

log = logging.getLogger(__name__)

DEFAULT_LOGIN_BUCKET = Bucket(burst=10, per_second=1 / 6)
HANDLE_PATTERN = re.compile(r"^[a-z0-9_.-]{3,32}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 256
MAX_DISPLAY_NAME = 100


class AccountError(Exception):
    code = "bad_request"


class InvalidAccount(AccountError):
    code = "bad_request"


class HandleTaken(AccountError):
    code = "conflict"


class BadCredentials(AccountError):
    code = "unauthorized"


@dataclass(frozen=True)
class User:
    user_id: str
    handle: str
    display_name: str


@dataclass(frozen=True)
class Session:
    session_id: str
    user_id: str
    expires_at: datetime


class AccountStore(Protocol):
    async def add_user(self, user: User, password_hash: str) -> bool:
        """False if the handle is taken."""
        ...

    async def user_by_handle(self, handle: str) -> tuple[User, str] | None:
        """The user and its password hash."""
        ...

    async def user_by_id(self, user_id: str) -> User | None: ...

    async def add_session(self, token_hash: str, session: Session) -> None: ...

    async def session(self, token_hash: str) -> Session | None: ...

    async def remove_session(self, token_hash: str) -> Session | None: ...


class NewUsers(Protocol):
    """Told of each registered user (the send claims, commands.admission: a
    new user has no claims to lose)."""

    async def new_user(self, user_id: str) -> None: ...


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_hasher() -> PasswordHasher:
    """Argon2id, 19 MiB, 2 iterations (OWASP's minimum)."""
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)


class Accounts:
    def __init__(
        self,
        store: AccountStore,
        session_ttl: timedelta,
        limiter: RateLimiter,
        login_bucket: Bucket = DEFAULT_LOGIN_BUCKET,
        hasher: PasswordHasher | None = None,
        claims: NewUsers | None = None,
    ) -> None:
        self._limiter = limiter
        self._claims = claims
        self._login_bucket = login_bucket
        self._store = store
        self._ttl = session_ttl
        self._hasher = hasher or password_hasher()
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    async def register(
        self, handle: str, password: str, display_name: str | None, now: datetime, client: str = ""
    ) -> User:
        validate_registration(handle, password, display_name)
        await require_token(self._limiter, f"register-from:{client}", self._login_bucket, now)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        user = User(str(uuid.uuid4()), handle, display_name or handle)
        if not await self._store.add_user(user, password_hash):
            raise HandleTaken("that handle is taken")
        await self._tell_claims(user.user_id)
        return user

    async def _tell_claims(self, user_id: str) -> None:
        """Untold (Redis down), the user's first minute of sends is treated
        as after a loss of claims: slower, still right."""
        if self._claims is None:
            return
        try:
            await self._claims.new_user(user_id)
        except Exception as error:
            log.warning("telling the send claims of a new user failed: %s", type(error).__name__)

    async def login(
        self, handle: str, password: str, now: datetime, client: str = ""
    ) -> tuple[str, Session]:
        """Attempts per handle and per client address are rate-limited, so
        guessing is slow and hashing cannot be used to burn the CPU."""
        for key in (f"login:{handle[:64]}", f"login-from:{client}"):
            await require_token(self._limiter, key, self._login_bucket, now)
        found = await self._store.user_by_handle(handle)
        # An unknown handle costs one verification too, so timing tells nothing.
        stored_hash = found[1] if found else self._dummy_hash
        if not await asyncio.to_thread(self._verify, stored_hash, password) or found is None:
            raise BadCredentials("wrong handle or password")
        token = secrets.token_urlsafe(32)
        session = Session(str(uuid.uuid4()), found[0].user_id, now + self._ttl)
        await self._store.add_session(token_digest(token), session)
        return token, session

    async def authenticate(self, token: str, now: datetime) -> Session | None:
        if not token or len(token) > 256:
            return None
        session = await self._store.session(token_digest(token))
        if session is None or session.expires_at <= now:
            return None
        return session

    async def logout(self, token: str) -> Session | None:
        return await self._store.remove_session(token_digest(token))

    async def user(self, user_id: str) -> User | None:
        return await self._store.user_by_id(user_id)

    async def user_by_handle(self, handle: str) -> User | None:
        found = await self._store.user_by_handle(handle)
        return found[0] if found else None

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def validate_registration(handle: str, password: str, display_name: str | None) -> None:
    if not isinstance(handle, str) or not HANDLE_PATTERN.match(handle):
        raise InvalidAccount("handle: 3-32 characters of a-z 0-9 _ . -")
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidAccount(f"password: {MIN_PASSWORD}-{MAX_PASSWORD} characters")
    if display_name is not None and (
        not isinstance(display_name, str) or len(display_name) > MAX_DISPLAY_NAME
    ):
        raise InvalidAccount(f"display_name: at most {MAX_DISPLAY_NAME} characters")
