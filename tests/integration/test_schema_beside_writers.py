"""``create_schema`` of a process that starts while the projector writes
(found by the fault suite: a restarted projector's schema creation
deadlocked with the running one's batch, which then crashed)."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg

from infra.postgres.schema import create_schema


def _waiting_for_the_messages_index(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE '%%messages_unread%%'"
        ).fetchone()
    return row is not None and row[0] > 0


def test_creating_the_schema_beside_a_writing_transaction_deadlocks_nothing(
    postgres_dsn: str,
) -> None:
    schema = f"t{uuid.uuid4().hex[:12]}"
    create_schema(postgres_dsn, schema)
    writer = psycopg.connect(postgres_dsn)
    try:
        writer.execute(
            f'INSERT INTO "{schema}".messages VALUES (%s, 1, 1, %s, %s, %s, now())',
            ("c1", "u1", "hi", "m1"),
        )  # the projector's batch: messages first, then members
        errors: list[Exception] = []

        def start_a_process() -> None:
            try:
                create_schema(postgres_dsn, schema)
            except psycopg.Error as error:
                errors.append(error)

        starting = threading.Thread(target=start_a_process)
        starting.start()
        deadline = time.monotonic() + 30
        while not _waiting_for_the_messages_index(postgres_dsn):
            assert time.monotonic() < deadline, "create_schema never reached the messages index"
            time.sleep(0.05)
        writer.execute(f'UPDATE "{schema}".members SET read_seq = 1 WHERE user_id = %s', ("u1",))
        writer.commit()
        starting.join(timeout=30)
        assert not starting.is_alive()
        assert errors == []
    finally:
        writer.close()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
