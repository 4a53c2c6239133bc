"""Fixtures of the read-model contract suites: each test runs on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract.read_model_fixtures import BACKENDS, Backend, Feed, ReadModels, open_backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Backend]:
    yield from open_backend(request.param, postgres_dsn)


@pytest.fixture
def models(backend: Backend) -> ReadModels:
    return backend.read_models()


@pytest.fixture
def feed(models: ReadModels) -> Feed:
    return Feed(models.view)
