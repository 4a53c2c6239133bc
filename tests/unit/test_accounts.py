"""Accounts: hashes, tokens and the cost of a login, checked without a clock."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher

from commands.accounts import Accounts, BadCredentials, Session, password_hasher
from infra.memory.accounts import InMemoryAccountStore
from infra.memory.limits import InMemoryRateLimiter

NOW = datetime(2026, 5, 1, tzinfo=UTC)


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verifications += 1
        return super().verify(hash, password)


class RecordingStore(InMemoryAccountStore):
    def __init__(self) -> None:
        super().__init__()
        self.stored_token_hashes: list[str] = []

    async def add_session(self, token_hash: str, session: Session) -> None:
        self.stored_token_hashes.append(token_hash)
        await super().add_session(token_hash, session)


def accounts(store: InMemoryAccountStore, hasher: PasswordHasher) -> Accounts:
    return Accounts(store, timedelta(hours=1), InMemoryRateLimiter(), hasher=hasher)


def test_an_unknown_handle_costs_a_password_verification_like_a_known_one() -> None:
    hasher = CountingHasher()
    service = accounts(InMemoryAccountStore(), hasher)

    async def attempts() -> None:
        await service.register("known", "long enough", None, NOW)
        for handle in ("known", "unknown"):
            with contextlib.suppress(BadCredentials):
                await service.login(handle, "wrong password", NOW)

    asyncio.run(attempts())
    assert hasher.verifications == 2


def test_the_store_keeps_only_the_hash_of_a_token() -> None:
    store = RecordingStore()
    service = accounts(store, CountingHasher())

    async def login() -> str:
        await service.register("ann", "long enough", None, NOW)
        token, _ = await service.login("ann", "long enough", NOW)
        return token

    token = asyncio.run(login())
    assert store.stored_token_hashes == [hashlib.sha256(token.encode()).hexdigest()]
    assert len(token) >= 40  # 32 random bytes, URL-safe


def test_an_expired_token_authenticates_no_one() -> None:
    service = accounts(InMemoryAccountStore(), CountingHasher())

    async def later() -> object:
        await service.register("ann", "long enough", None, NOW)
        token, _ = await service.login("ann", "long enough", NOW)
        return await service.authenticate(token, NOW + timedelta(hours=1, seconds=1))

    assert asyncio.run(later()) is None


def test_passwords_are_hashed_with_argon2id_19_mib_and_2_iterations() -> None:
    hasher = password_hasher()
    encoded = hasher.hash("long enough")
    assert encoded.startswith("$argon2id$")
    assert "m=19456,t=2" in encoded
