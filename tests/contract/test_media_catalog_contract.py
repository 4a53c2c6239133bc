"""Media metadata: memory and PostgreSQL agree."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from commands.media_catalog import MediaCatalog, StoredMedia
from domain.attachments import Attachment
from infra.memory.media_catalog import InMemoryMediaCatalog
from infra.postgres.media_catalog import PostgresMediaCatalog
from infra.postgres.schema import create_schema
from tests.support.postgres import drop_schema

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DAY = timedelta(days=1)
PHOTO = Attachment("m1", "image", "image/png", 1234, "a" * 64, 640, 480, None, True)


class Catalog:
    def __init__(self, catalog: MediaCatalog, runner: asyncio.Runner) -> None:
        self.catalog = catalog
        self.runner = runner


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Catalog]:
    runner = asyncio.Runner()
    if request.param == "memory":
        yield Catalog(InMemoryMediaCatalog(), runner)
        runner.close()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    create_schema(postgres_dsn, schema)
    catalog = PostgresMediaCatalog(postgres_dsn, schema)
    runner.run(catalog.open())
    try:
        yield Catalog(catalog, runner)
    finally:
        runner.run(catalog.close())
        runner.close()
        drop_schema(postgres_dsn, schema)


def _stored(media: Attachment = PHOTO, user: str = "ann", at: datetime = T0) -> StoredMedia:
    return StoredMedia(media, user, at, "b" * 64 if media.has_thumbnail else None)


def test_an_added_media_is_found_with_every_field(store: Catalog) -> None:
    store.runner.run(store.catalog.add(_stored()))
    assert store.runner.run(store.catalog.find("m1")) == _stored()


def test_a_media_without_thumbnail_keeps_its_nulls(store: Catalog) -> None:
    voice = Attachment("m2", "voice", "audio/ogg", 99, "c" * 64, None, None, 1500, False)
    store.runner.run(store.catalog.add(_stored(voice)))
    assert store.runner.run(store.catalog.find("m2")) == _stored(voice)


def test_an_unknown_or_deleted_media_is_not_found(store: Catalog) -> None:
    assert store.runner.run(store.catalog.find("nope")) is None
    store.runner.run(store.catalog.add(_stored()))
    store.runner.run(store.catalog.delete("m1"))
    assert store.runner.run(store.catalog.find("m1")) is None


def test_uploads_since_count_only_that_users_recent_bytes(store: Catalog) -> None:
    store.runner.run(store.catalog.add(_stored()))
    later = replace(PHOTO, media_id="m3", size=10)
    store.runner.run(store.catalog.add(_stored(later, at=T0 + timedelta(hours=2))))
    store.runner.run(store.catalog.add(_stored(replace(PHOTO, media_id="m4"), user="ben")))
    since = T0 + timedelta(hours=1)
    assert store.runner.run(store.catalog.uploaded_since("ann", since)) == (1, 10)
    assert store.runner.run(store.catalog.uploaded_since("ann", T0)) == (2, 1244)
    assert store.runner.run(store.catalog.uploaded_since("cid", T0)) == (0, 0)


def test_referenced_hashes_cover_blobs_and_thumbnails(store: Catalog) -> None:
    store.runner.run(store.catalog.add(_stored()))
    assert store.runner.run(store.catalog.referenced_hashes()) == {"a" * 64, "b" * 64}


def test_uploaded_before_lists_the_old_media_oldest_first(store: Catalog) -> None:
    store.runner.run(store.catalog.add(_stored(replace(PHOTO, media_id="late"), at=T0 + DAY)))
    store.runner.run(store.catalog.add(_stored()))
    store.runner.run(store.catalog.add(_stored(replace(PHOTO, media_id="new"), at=T0 + 3 * DAY)))
    old = store.runner.run(store.catalog.uploaded_before(T0 + 2 * DAY, 10))
    assert [s.media.media_id for s in old] == ["m1", "late"]
    assert len(store.runner.run(store.catalog.uploaded_before(T0 + 2 * DAY, 1))) == 1
