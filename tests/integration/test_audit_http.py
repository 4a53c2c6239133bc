"""The audit routes on the embedded stack: an auditor granted through the
log reads every event of a conversation in log order, paged, with its
hash-chain fields, and has it verified; each read is an AuditRead event."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from app.edge import EdgeAdapters, create_app
from app.embedded import embedded_edge
from app.settings import Settings
from commands.messages import GrantAuditor, RevokeAuditor, encode_command
from domain.auditor import auditor_stream_id
from domain.records import OutgoingRecord
from tests.integration.edge_app import Account, direct_conversation, register

AUDIT_ROUTES = (
    "/v1/audit/conversations/{conversation_id}/events",
    "/v1/audit/conversations/{conversation_id}/verify",
)


class AuditedEdge:
    """The embedded edge, with a hand on its command log to play the operator."""

    def __init__(self) -> None:
        self.adapters: EdgeAdapters | None = None

    @asynccontextmanager
    async def factory(self, settings: Settings) -> AsyncIterator[EdgeAdapters]:
        async with embedded_edge(settings) as adapters:
            self.adapters = adapters
            yield adapters

    async def operator(self, user_id: str, grant: bool) -> None:
        assert self.adapters is not None
        stream = str(auditor_stream_id(user_id))
        kind = GrantAuditor if grant else RevokeAuditor
        command = kind(stream, user_id, "operator:test", datetime.now(UTC).isoformat())
        record = OutgoingRecord(stream, encode_command(command), {"command_type": kind.__name__})
        await self.adapters.commands.publish(record)


@pytest.fixture(scope="module")
def edge() -> AuditedEdge:
    return AuditedEdge()


@pytest.fixture(scope="module")
def client(edge: AuditedEdge) -> Iterator[TestClient]:
    settings = replace(Settings(worker_id=1, partitions=4), login_attempts_per_minute=6000)
    with TestClient(create_app(settings, edge.factory)) as running:
        yield running


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def grant(client: TestClient, edge: AuditedEdge, user: Account, on: bool = True) -> None:
    assert client.portal is not None
    client.portal.call(edge.operator, user.user_id, on)
    path = AUDIT_ROUTES[1].format(conversation_id="none")
    wanted = 200 if on else 404
    wait_until(lambda: client.get(path, headers=user.auth).status_code == wanted)


def events(client: TestClient, user: Account, cid: str, **query: Any) -> Any:
    answer = client.get(
        AUDIT_ROUTES[0].format(conversation_id=cid), params=query, headers=user.auth
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def chat(client: TestClient, ann: Account, ben: Account, count: int) -> str:
    cid = direct_conversation(client, ann, ben)
    for number in range(count):
        client.post(
            f"/v1/conversations/{cid}/messages",
            json={"client_msg_id": f"m{number}", "body": f"hello {number}"},
            headers=ann.auth,
        )
    path = f"/v1/conversations/{cid}/messages"
    wait_until(lambda: client.get(path, headers=ann.auth).json()["last_seq"] == count)
    return cid


def test_an_auditor_reads_every_event_of_a_conversation_in_log_order(
    client: TestClient, edge: AuditedEdge
) -> None:
    ann, ben, auditor = register(client), register(client), register(client)
    cid = chat(client, ann, ben, 3)
    grant(client, edge, auditor)
    wait_until(lambda: len(events(client, auditor, cid)["events"]) == 4)
    page = events(client, auditor, cid)
    assert [e["type"] for e in page["events"]] == ["ConversationStarted"] + ["MessagePosted"] * 3
    assert [e["version"] for e in page["events"]] == [1, 2, 3, 4]
    positions = [e["position"] for e in page["events"]]
    assert positions == sorted(positions) and page["next"] is None
    chained = page["events"]
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(chained))
    assert chained[1]["data"]["body"] == "hello 0"


def test_audit_events_are_paged_with_next(client: TestClient, edge: AuditedEdge) -> None:
    ann, ben, auditor = register(client), register(client), register(client)
    cid = chat(client, ann, ben, 4)
    grant(client, edge, auditor)
    wait_until(lambda: len(events(client, auditor, cid)["events"]) == 5)
    first = events(client, auditor, cid, limit=2)
    second = events(client, auditor, cid, limit=2, after=first["next"])
    third = events(client, auditor, cid, limit=2, after=second["next"])
    seen = [e["version"] for page in (first, second, third) for e in page["events"]]
    assert seen == [1, 2, 3, 4, 5]
    assert third["next"] is None


def test_the_server_verifies_an_untouched_chain(client: TestClient, edge: AuditedEdge) -> None:
    ann, ben, auditor = register(client), register(client), register(client)
    cid = chat(client, ann, ben, 2)
    grant(client, edge, auditor)
    wait_until(lambda: len(events(client, auditor, cid)["events"]) == 3)
    answer = client.get(AUDIT_ROUTES[1].format(conversation_id=cid), headers=auditor.auth)
    assert answer.json() == {"intact": True, "events": 3, "first_bad": None}


def test_a_member_a_stranger_and_a_revoked_auditor_get_404_on_every_audit_route(
    client: TestClient, edge: AuditedEdge
) -> None:
    ann, ben, stranger, former = (register(client) for _ in range(4))
    cid = chat(client, ann, ben, 1)
    grant(client, edge, former)
    grant(client, edge, former, on=False)
    unknown_path = client.get("/v1/no/such/route", headers=ann.auth)
    for user in (ann, stranger, former):
        for route in AUDIT_ROUTES:
            answer = client.get(route.format(conversation_id=cid), headers=user.auth)
            assert (answer.status_code, answer.json()) == (404, unknown_path.json())


def test_the_audit_routes_need_a_token(client: TestClient) -> None:
    for route in AUDIT_ROUTES:
        assert client.get(route.format(conversation_id="x")).status_code == 401


def test_a_bad_page_is_a_400(client: TestClient, edge: AuditedEdge) -> None:
    auditor = register(client)
    grant(client, edge, auditor)
    path = AUDIT_ROUTES[0].format(conversation_id="x")
    for query in ({"limit": 0}, {"limit": 5000}, {"after": "soon"}, {"after": -2}):
        assert client.get(path, params=query, headers=auditor.auth).status_code == 400


def test_every_audit_route_of_the_app_is_listed_here(client: TestClient) -> None:
    served = {
        route.path
        for route in client.app.routes  # type: ignore[attr-defined]
        if getattr(route, "path", "").startswith("/v1/audit/")
    }
    assert served == set(AUDIT_ROUTES)
