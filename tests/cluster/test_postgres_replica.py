"""The read API on a real streaming replica (scripts/postgres-replica.sh):
read-model queries go to CHAT_POSTGRES_READ_DSN, accounts and sessions to
the primary, and nothing is ever written to the replica.

The read-model rows are written on the primary with SQL, as the projector
would; Kafka and Redis are the shared ones (the edge needs them to start),
on topics and keys of this test's own. Pausing the replica's WAL replay
shows, without timing, which server a read went to."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from confluent_kafka.admin import AdminClient
from starlette.testclient import TestClient

from app.edge import create_app
from app.real_stack import real_edge
from app.settings import Settings
from tests.conftest import KAFKA_BOOTSTRAP, REDIS_URL
from tests.support.replica_pair import ReplicaPair, start_pair, stop_pair

DEADLINE_SECONDS = 60


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicaPair]:
    started = start_pair()
    try:
        yield started
    finally:
        stop_pair(started)


@pytest.fixture
def edge(pair: ReplicaPair, unique_name: str) -> Iterator[TestClient]:
    settings = Settings(
        kafka_bootstrap=KAFKA_BOOTSTRAP,
        postgres_dsn=pair.primary_dsn,
        postgres_read_dsn=pair.replica_dsn,
        redis_url=REDIS_URL,
        topic_prefix=f"{unique_name}.",
        consumer_group_prefix=unique_name,
        pg_schema=unique_name,
        redis_prefix=f"{unique_name}:",
        partitions=1,
        worker_id=1,
        login_attempts_per_minute=6000,
    )
    try:
        with TestClient(create_app(settings, real_edge)) as client:
            # The edge made the schema on the primary at its start: wait for
            # the replica to replay it before reading through it.
            _until(
                lambda: (
                    _sql(
                        pair.replica_dsn,
                        "SELECT to_regclass(%(t)s) IS NOT NULL",
                        {"t": f'"{unique_name}".inbox'},
                    )[0][0]
                    is True
                ),
                "the schema never reached the replica",
            )
            yield client
    finally:
        _drop_topics(unique_name)
        _resume_replay(pair)


def _drop_topics(prefix: str) -> None:
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(f"{prefix}.")]
    for future in admin.delete_topics(topics).values() if topics else ():
        future.result(timeout=30)


def _sql(dsn: str, text: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(text.encode(), params)
        return list(cursor.fetchall()) if cursor.description else []


def _write(dsn: str, params: dict[str, Any], *statements: str) -> None:
    """The statements in one transaction, as the projector writes a batch."""
    with psycopg.connect(dsn) as conn, conn.transaction():
        for statement in statements:
            conn.execute(statement.encode(), params)


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _pause_replay(pair: ReplicaPair) -> None:
    _sql(pair.replica_dsn, "SELECT pg_wal_replay_pause()")
    _until(
        lambda: _sql(pair.replica_dsn, "SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused",
        "the replica's replay never paused",
    )


def _resume_replay(pair: ReplicaPair) -> None:
    _sql(pair.replica_dsn, "SELECT pg_wal_replay_resume()")


def _sign_up(client: TestClient) -> tuple[str, dict[str, str]]:
    handle = f"u_{uuid.uuid4().hex[:8]}"
    created = client.post("/v1/users", json={"handle": handle, "password": "long enough"})
    assert created.status_code == 201, created.text
    return created.json()["user_id"], _log_in(client, handle)


def _log_in(client: TestClient, handle: str) -> dict[str, str]:
    login = client.post("/v1/sessions", json={"handle": handle, "password": "long enough"})
    assert login.status_code == 201, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def _project_conversation(pair: ReplicaPair, schema: str, user_id: str) -> str:
    """A group of one with no message, on the primary, as the projector writes it."""
    conversation_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    _write(
        pair.primary_dsn,
        {"c": conversation_id, "u": user_id, "at": now},
        f"""INSERT INTO "{schema}".conversations
            (conversation_id, kind, title, started_by, created_at, last_seq, updated_at)
            VALUES (%(c)s, 'group', 'replicated', %(u)s, %(at)s, 0, %(at)s)""",
        f"""INSERT INTO "{schema}".members (conversation_id, user_id, role)
            VALUES (%(c)s, %(u)s, 'admin')""",
    )
    return conversation_id


def _project_message(pair: ReplicaPair, schema: str, conversation_id: str, seq: int) -> None:
    user_id = _sql(
        pair.primary_dsn,
        f'SELECT user_id FROM "{schema}".members WHERE conversation_id = %(c)s',
        {"c": conversation_id},
    )[0][0]
    _write(
        pair.primary_dsn,
        {"c": conversation_id, "seq": seq, "u": user_id, "body": f"m{seq}", "client": f"c{seq}"},
        f"""INSERT INTO "{schema}".messages
            (conversation_id, seq, message_id, sender_id, body, client_msg_id, sent_at)
            VALUES (%(c)s, %(seq)s, %(seq)s, %(u)s, %(body)s, %(client)s, now())""",
        f"""UPDATE "{schema}".conversations SET last_seq = %(seq)s, updated_at = now()
            WHERE conversation_id = %(c)s""",
    )


def _history(client: TestClient, conversation_id: str, auth: dict[str, str]) -> list[int]:
    answer = client.get(f"/v1/conversations/{conversation_id}/messages", headers=auth)
    if answer.status_code == 404:
        return []  # not a member yet: the membership has not reached the replica
    assert answer.status_code == 200, answer.text
    return sorted(message["seq"] for message in answer.json()["messages"])


def _read_only_errors(pair: ReplicaPair) -> list[str]:
    lines = pair.replica_log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if "read-only transaction" in line]


def _replica_has(pair: ReplicaPair, note: str) -> bool:
    try:
        found = _sql(pair.replica_dsn, "SELECT 1 FROM replicated WHERE note = %(n)s", {"n": note})
    except psycopg.errors.UndefinedTable:
        return False  # the table itself has not been replayed yet
    return bool(found)


def test_a_row_written_on_the_primary_appears_on_the_replica(pair: ReplicaPair) -> None:
    _sql(pair.primary_dsn, "CREATE TABLE IF NOT EXISTS replicated (note text)")
    note = uuid.uuid4().hex
    _sql(pair.primary_dsn, "INSERT INTO replicated VALUES (%(n)s)", {"n": note})
    _until(lambda: _replica_has(pair, note), "the row never reached the replica")
    assert _sql(pair.replica_dsn, "SELECT pg_is_in_recovery()")[0][0] is True


def test_the_read_api_serves_history_from_the_replica(
    pair: ReplicaPair, edge: TestClient, unique_name: str
) -> None:
    user_id, auth = _sign_up(edge)
    conversation_id = _project_conversation(pair, unique_name, user_id)
    _project_message(pair, unique_name, conversation_id, 1)
    _until(lambda: _history(edge, conversation_id, auth) == [1], "seq 1 never served")

    _pause_replay(pair)
    _project_message(pair, unique_name, conversation_id, 2)
    assert _history(edge, conversation_id, auth) == [1]  # the replica has not replayed seq 2

    _resume_replay(pair)
    _until(lambda: _history(edge, conversation_id, auth) == [1, 2], "seq 2 never served")


def test_accounts_and_sessions_stay_on_the_primary_while_the_replica_lags(
    pair: ReplicaPair, edge: TestClient
) -> None:
    _pause_replay(pair)
    handle = f"u_{uuid.uuid4().hex[:8]}"
    created = edge.post("/v1/users", json={"handle": handle, "password": "long enough"})
    assert created.status_code == 201, created.text
    auth = _log_in(edge, handle)  # a paused replica has neither the user nor the session
    devices = edge.get("/v1/devices", headers=auth)
    assert devices.status_code == 200, devices.text


def test_no_write_is_ever_attempted_on_the_replica(pair: ReplicaPair, edge: TestClient) -> None:
    _, auth = _sign_up(edge)
    assert edge.get("/v1/conversations", headers=auth).status_code == 200
    assert edge.get("/v1/friends", headers=auth).status_code == 200
    assert _read_only_errors(pair) == []
