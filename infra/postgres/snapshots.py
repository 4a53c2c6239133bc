"""The processor's SnapshotStore in PostgreSQL: one row per conversation
(its newest snapshot) and one mark per log partition, each with the
identity of the ``chat.events`` topic it was taken on (``log_id``: the
topic's id). Writes never move either back on the same topic; a mark taken
with another partition count or on another topic (one deleted and created
again under the same name) is not used, nor are that topic's snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, LiteralString

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from commands.snapshots import PartitionSnapshots, StoredSnapshot
from infra.postgres.pool import in_schema

SNAPSHOT_TABLES: Final[tuple[LiteralString, ...]] = (
    """CREATE TABLE IF NOT EXISTS {s}.processor_snapshots (
        conversation_id uuid PRIMARY KEY,
        log_partition integer NOT NULL,
        version integer NOT NULL,
        state bytea NOT NULL,
        taken_at timestamptz NOT NULL DEFAULT now()
    )""",
    """CREATE INDEX IF NOT EXISTS processor_snapshots_partition
        ON {s}.processor_snapshots (log_partition)""",
    """CREATE TABLE IF NOT EXISTS {s}.processor_snapshot_marks (
        log_partition integer PRIMARY KEY,
        partitions integer NOT NULL,
        events_offset bigint NOT NULL,
        marked_at timestamptz NOT NULL DEFAULT now()
    )""",
)

SNAPSHOT_COLUMNS: Final[tuple[tuple[str, str, LiteralString], ...]] = (
    # Rows from before the column have '' and match no topic: replayed once.
    ("processor_snapshots", "log_id", "text NOT NULL DEFAULT ''"),
    ("processor_snapshot_marks", "log_id", "text NOT NULL DEFAULT ''"),
)

_MARK: Final = """
SELECT events_offset FROM {s}.processor_snapshot_marks
WHERE log_partition = %(partition)s AND partitions = %(partitions)s AND log_id = %(log_id)s
"""

_SNAPSHOTS: Final = """
SELECT conversation_id, version, state FROM {s}.processor_snapshots
WHERE log_partition = %(partition)s AND log_id = %(log_id)s
"""

_SAVE: Final = """
INSERT INTO {s}.processor_snapshots AS t
    (conversation_id, log_partition, version, state, log_id)
SELECT ids.*, %(log_id)s FROM unnest(%(ids)s::uuid[], %(partitions)s::int[],
                                     %(versions)s::int[], %(states)s::bytea[]) AS ids
ON CONFLICT (conversation_id) DO UPDATE
SET log_partition = EXCLUDED.log_partition, version = EXCLUDED.version,
    state = EXCLUDED.state, log_id = EXCLUDED.log_id, taken_at = now()
WHERE t.version < EXCLUDED.version OR t.log_id <> EXCLUDED.log_id
"""

_SET_MARK: Final = """
INSERT INTO {s}.processor_snapshot_marks AS t (log_partition, partitions, events_offset, log_id)
VALUES (%(partition)s, %(partitions)s, %(offset)s, %(log_id)s)
ON CONFLICT (log_partition) DO UPDATE
SET partitions = EXCLUDED.partitions, events_offset = EXCLUDED.events_offset,
    log_id = EXCLUDED.log_id, marked_at = now()
WHERE t.events_offset < EXCLUDED.events_offset OR t.partitions <> EXCLUDED.partitions
    OR t.log_id <> EXCLUDED.log_id
"""


POOL_TIMEOUT = 5.0


class PostgresSnapshotStore:
    def __init__(self, pool: ConnectionPool, schema: str, partitions: int, log_id: str) -> None:
        """``log_id``: the identity of the topic the marks are offsets of."""
        self._pool = pool
        self._partitions = partitions
        self._log_id = log_id
        self._mark = in_schema(_MARK, schema)
        self._snapshots = in_schema(_SNAPSHOTS, schema)
        self._save = in_schema(_SAVE, schema)
        self._set_mark = in_schema(_SET_MARK, schema)

    @classmethod
    def from_dsn(cls, dsn: str, schema: str, partitions: int, log_id: str) -> PostgresSnapshotStore:
        """Nothing connects until the first call; a call waits at most
        POOL_TIMEOUT for a connection (the processor goes on without)."""
        pool: ConnectionPool = ConnectionPool(
            dsn, min_size=1, max_size=1, open=False, timeout=POOL_TIMEOUT
        )
        return cls(pool, schema, partitions, log_id)

    def close(self) -> None:
        self._pool.close()

    def load(self, partition: int) -> PartitionSnapshots:
        """The mark is read first, in the same snapshot of the database, so
        no snapshot can be older than what the mark says it covers."""
        self._pool.open()
        params = {"partition": partition, "partitions": self._partitions, "log_id": self._log_id}
        with (
            self._pool.connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=dict_row) as curs,
        ):
            curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            curs.execute(self._mark, params)
            row = curs.fetchone()
            if row is None:
                return PartitionSnapshots(None)
            curs.execute(self._snapshots, params)
            snapshots = [
                StoredSnapshot(r["conversation_id"], r["version"], bytes(r["state"]))
                for r in curs.fetchall()
            ]
        return PartitionSnapshots(int(row["events_offset"]), snapshots)

    def save(self, partition: int, snapshots: Sequence[StoredSnapshot]) -> None:
        if not snapshots:
            return
        params = {
            "ids": [s.conversation_id for s in snapshots],
            "partitions": [partition] * len(snapshots),
            "versions": [s.version for s in snapshots],
            "states": [s.state for s in snapshots],
            "log_id": self._log_id,
        }
        self._pool.open()
        with self._pool.connection() as conn:
            conn.execute(self._save, params)

    def mark(self, partition: int, events_offset: int) -> None:
        params = {
            "partition": partition,
            "partitions": self._partitions,
            "offset": events_offset,
            "log_id": self._log_id,
        }
        self._pool.open()
        with self._pool.connection() as conn:
            conn.execute(self._set_mark, params)
