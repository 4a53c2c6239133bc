"""Accounts: the in-memory and PostgreSQL account stores behave alike.

Every test runs against both adapters; the PostgreSQL one gets a fresh
schema in the test database, dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from commands.accounts import AccountStore, Session, User
from tests.contract.read_model_fixtures import BACKENDS, Backend, at, open_backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Backend]:
    yield from open_backend(request.param, postgres_dsn)


@pytest.fixture
def accounts(backend: Backend) -> AccountStore:
    return backend.account_store()


ANN = User("u-ann", "ann", "Ann A.")
SESSION = Session("s-1", "u-ann", at(60 * 24))


def test_an_added_user_is_found_by_handle_with_its_password_hash(
    backend: Backend, accounts: AccountStore
) -> None:
    assert backend.run(accounts.add_user(ANN, "hash-1")) is True
    assert backend.run(accounts.user_by_handle("ann")) == (ANN, "hash-1")


def test_an_added_user_is_found_by_id(backend: Backend, accounts: AccountStore) -> None:
    backend.run(accounts.add_user(ANN, "hash-1"))
    assert backend.run(accounts.user_by_id("u-ann")) == ANN


def test_a_taken_handle_is_refused_and_the_first_user_kept(
    backend: Backend, accounts: AccountStore
) -> None:
    backend.run(accounts.add_user(ANN, "hash-1"))
    assert backend.run(accounts.add_user(User("u-other", "ann", "Other"), "hash-2")) is False
    assert backend.run(accounts.user_by_handle("ann")) == (ANN, "hash-1")
    assert backend.run(accounts.user_by_id("u-other")) is None


def test_an_unknown_handle_is_none(backend: Backend, accounts: AccountStore) -> None:
    assert backend.run(accounts.user_by_handle("nobody")) is None


def test_an_unknown_user_id_is_none(backend: Backend, accounts: AccountStore) -> None:
    backend.run(accounts.add_user(ANN, "hash-1"))
    assert backend.run(accounts.user_by_id("u-nobody")) is None


def test_an_added_session_is_found_by_its_token_hash(
    backend: Backend, accounts: AccountStore
) -> None:
    backend.run(accounts.add_session("token-hash-1", SESSION))
    found = backend.run(accounts.session("token-hash-1"))
    assert found == SESSION
    assert found is not None and found.expires_at.utcoffset() == timedelta(0)


def test_an_unknown_session_is_none(backend: Backend, accounts: AccountStore) -> None:
    backend.run(accounts.add_session("token-hash-1", SESSION))
    assert backend.run(accounts.session("token-hash-2")) is None


def test_a_removed_session_is_returned_and_gone(backend: Backend, accounts: AccountStore) -> None:
    backend.run(accounts.add_session("token-hash-1", SESSION))
    assert backend.run(accounts.remove_session("token-hash-1")) == SESSION
    assert backend.run(accounts.session("token-hash-1")) is None


def test_removing_an_unknown_session_returns_none(backend: Backend, accounts: AccountStore) -> None:
    assert backend.run(accounts.remove_session("token-hash-9")) is None
