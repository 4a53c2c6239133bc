"""The audit trail and the auditors: memory and PostgreSQL agree."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from infra.memory.audit_trail import InMemoryAuditTrail
from infra.postgres.audit_trail import PostgresAuditQueries, PostgresAuditView
from infra.postgres.schema import create_schema
from projections.audit_ports import AuditEntry, AuditQueries, AuditView
from projections.ports import AlreadyProjected
from tests.support.postgres import drop_schema

AT = datetime(2026, 1, 1, 12, tzinfo=UTC)


@dataclass
class Trail:
    view: AuditView
    queries: AuditQueries

    def run(self, awaitable: Any) -> Any:
        return asyncio.run(awaitable)


@pytest.fixture(params=["memory", "postgres"])
def trail(request: pytest.FixtureRequest, postgres_dsn: str) -> Iterator[Trail]:
    if request.param == "memory":
        memory = InMemoryAuditTrail()
        yield Trail(memory, memory)
        return
    schema = f"t{uuid.uuid4().hex[:12]}"
    create_schema(postgres_dsn, schema)
    view = PostgresAuditView(postgres_dsn, schema)
    try:
        yield Trail(view, _Opened(postgres_dsn, schema))
    finally:
        view.close()
        drop_schema(postgres_dsn, schema)


class _Opened:
    """The PostgreSQL queries, with a pool of their own in each call's loop."""

    def __init__(self, dsn: str, schema: str) -> None:
        self._dsn, self._schema = dsn, schema

    async def is_auditor(self, user_id: str) -> bool:
        queries = PostgresAuditQueries(self._dsn, self._schema)
        await queries.open()
        try:
            return await queries.is_auditor(user_id)
        finally:
            await queries.close()

    async def events(self, conversation_id: str, after: int, limit: int) -> list[AuditEntry]:
        queries = PostgresAuditQueries(self._dsn, self._schema)
        await queries.open()
        try:
            return list(await queries.events(conversation_id, after, limit))
        finally:
            await queries.close()


def entry(position: int, conversation_id: str = "c1", **data: Any) -> AuditEntry:
    return AuditEntry(
        conversation_id,
        position,
        "MessagePosted",
        2,
        position,
        AT,
        {"body": "é", "message_id": 2**62, **data},
        "p" * 64,
        "h" * 64,
    )


def tracking(offset: int) -> Tracking:
    return Tracking("chat.events.p0", offset)


def test_entries_come_back_in_log_order_after_a_position(trail: Trail) -> None:
    with trail.view.batch():
        for position in (5, 9, 12):
            trail.view.record(entry(position), tracking(position))
        trail.view.record(entry(7, "other"), tracking(13))
    found = trail.run(trail.queries.events("c1", 5, 10))
    assert [(e.position, e.data["message_id"]) for e in found] == [(9, 2**62), (12, 2**62)]
    assert found[0] == entry(9)


def test_a_page_holds_at_most_its_limit(trail: Trail) -> None:
    for position in range(5):
        trail.view.record(entry(position), tracking(position))
    assert [e.position for e in trail.run(trail.queries.events("c1", -1, 2))] == [0, 1]


def test_a_position_seen_before_writes_nothing(trail: Trail) -> None:
    trail.view.record(entry(3), tracking(3))
    with pytest.raises(AlreadyProjected):
        trail.view.record(entry(3, body="again"), tracking(3))
    assert trail.run(trail.queries.events("c1", -1, 10)) == [entry(3)]
    assert trail.view.max_tracking_id("chat.events.p0") == 3


def test_a_granted_auditor_is_one_until_revoked(trail: Trail) -> None:
    assert not trail.run(trail.queries.is_auditor("eve"))
    trail.view.auditor_granted("eve", AT, tracking(1))
    assert trail.run(trail.queries.is_auditor("eve"))
    trail.view.auditor_revoked("eve", tracking(2))
    assert not trail.run(trail.queries.is_auditor("eve"))
    trail.view.skip(tracking(3))
    assert trail.view.max_tracking_id("chat.events.p0") == 3
